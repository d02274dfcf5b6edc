// Package httpfetch is glm-mcp's http toolkit: the fetch_url tool, which
// fetches a web page over http or https and returns it as Markdown (or as raw
// text or JSON), in pages of characters.
//
// The toolkit is built so that a model cannot use it to reach what the
// machine's network can reach but the user did not allow: every connection is
// checked, at dial time, on the IP address actually connected to, and
// loopback, private, link-local, CGNAT and other non-public addresses are
// refused unless the user named the host in Config.AllowHosts
// (--allow-host). Proxies from the environment are never used.
package httpfetch

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultMaxBytes = 10 << 20
	DefaultCacheTTL = 2 * time.Minute
	// DefaultMaxHTMLBytes caps the HTML handed to the Markdown converter.
	DefaultMaxHTMLBytes = 2 << 20
	// DefaultVersion names the build when Config.Version is empty.
	DefaultVersion = "dev"
	// maxRedirects is the number of redirects followed, each re-checked.
	maxRedirects = 5
)

// Config configures the http toolkit. The zero value is usable: it refuses
// every non-public address and honours robots.txt.
type Config struct {
	// AllowHosts names hosts (HOST or HOST:PORT, as written in URLs; IPv6 as
	// [ADDR]:PORT) that may be fetched even though they resolve to loopback,
	// private or other non-public addresses (--allow-host). A host without a
	// port is allowed on every port.
	AllowHosts []string
	// Timeout bounds one fetch_url call, robots.txt and redirects included
	// (--fetch-timeout). Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBytes caps the body read, counted after decompression
	// (--fetch-max-bytes). Zero means DefaultMaxBytes.
	MaxBytes int64
	// MaxHTMLBytes caps the HTML converted to Markdown: conversion takes
	// tens of times the page's size in memory, so a longer page is cut (at a
	// tag) before conversion and the result says so; raw=true still returns
	// the whole body. Zero means DefaultMaxHTMLBytes.
	MaxHTMLBytes int
	// IgnoreRobots switches off robots.txt checks (--ignore-robots).
	IgnoreRobots bool
	// UserAgent overrides the User-Agent header (--user-agent).
	UserAgent string
	// Version is glm-mcp's version, named in the default User-Agent.
	Version string
	// CacheTTL is how long a fetched page is kept for paging. Zero means
	// DefaultCacheTTL; a negative value disables the cache.
	CacheTTL time.Duration
	// Resolver looks up host names. Nil means net.DefaultResolver.
	Resolver Resolver
	// DialContext, if set, replaces the final connect (a net.Dialer with a
	// Control check). It is only ever called with an IP literal and port
	// that passed the policy. Tests use it to keep connections local.
	DialContext DialFunc
	// RootCAs, if set, replaces the system's trusted certificate authorities.
	RootCAs *x509.CertPool
	// Logger receives debug logs of fetches. The zero value logs nothing.
	Logger zerolog.Logger
}

// Toolkit is the http toolkit. It is safe for concurrent use.
type Toolkit struct {
	cfg       Config
	policy    *policy
	transport *http.Transport
	client    *http.Client // pages: redirects re-checked, robots.txt included
	robots    *robotsCache
	cache     *pageCache
	log       zerolog.Logger
}

var _ toolkits.Toolkit = (*Toolkit)(nil)

// New validates cfg, fills in its defaults and returns the toolkit.
func New(cfg Config) (*Toolkit, error) {
	allow, err := parseAllowHosts(cfg.AllowHosts)
	if err != nil {
		return nil, fmt.Errorf("http toolkit: %w", err)
	}
	if err := cfg.applyDefaults(); err != nil {
		return nil, fmt.Errorf("http toolkit: %w", err)
	}
	t := &Toolkit{cfg: cfg, policy: &policy{allow: allow}, log: cfg.Logger}
	d := &dialer{policy: t.policy, resolver: cfg.Resolver, connect: cfg.DialContext}
	t.transport = &http.Transport{
		Proxy:                  nil, // never from the environment: a proxy would bypass the dial check
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs},
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
	}
	t.client = &http.Client{Transport: t.transport, CheckRedirect: t.checkRedirect(true)}
	robotsClient := &http.Client{Transport: t.transport, CheckRedirect: t.checkRedirect(false)}
	t.robots = newRobotsCache(robotsClient, cfg.UserAgent, robotsTTL)
	t.cache = newPageCache(cfg.CacheTTL, pageCacheEntries, pageCacheChars)
	return t, nil
}

func (c *Config) applyDefaults() error {
	switch {
	case c.Timeout < 0:
		return errors.New("fetch timeout must not be negative")
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxBytes < 0:
		return errors.New("fetch max bytes must not be negative")
	case c.MaxBytes == 0:
		c.MaxBytes = DefaultMaxBytes
	}
	switch {
	case c.MaxHTMLBytes < 0:
		return errors.New("max html bytes must not be negative")
	case c.MaxHTMLBytes == 0:
		c.MaxHTMLBytes = DefaultMaxHTMLBytes
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.UserAgent == "" {
		c.UserAgent = fmt.Sprintf("glm-mcp/%s (+https://github.com/glm-mcp/glm-mcp)", c.Version)
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		return errors.New("user agent must be one line")
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	return nil
}

// Name returns "http", the toolkit's name in --toolkits.
func (t *Toolkit) Name() string { return "http" }

// Tools returns fetch_url.
func (t *Toolkit) Tools() []toolkits.Tool {
	return []toolkits.Tool{{Def: fetchURLTool(), Handler: t.handleFetchURL}}
}

// Close releases idle connections.
func (t *Toolkit) Close() error {
	t.transport.CloseIdleConnections()
	return nil
}
