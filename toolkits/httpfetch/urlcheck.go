package httpfetch

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxURLLength bounds the URLs fetch_url accepts.
const maxURLLength = 8192

// policy decides which URLs and addresses may be fetched.
type policy struct {
	allow allowList
}

// InvalidURLError reports a URL that cannot be fetched as written.
type InvalidURLError struct {
	URL     string
	Problem string
}

func (e *InvalidURLError) Error() string {
	return fmt.Sprintf("invalid URL %q: %s", e.URL, e.Problem)
}

// checkURL parses raw and returns it in canonical form (scheme and host
// lower-cased, legacy IPv4 spellings as dotted quads, IDNA host, no
// fragment), or an *InvalidURLError or *RefusedError. It refuses schemes other
// than http and https, credentials, and hosts that are IP literals or
// localhost names outside the policy. Names are checked again, on the
// addresses they resolve to, when they are dialled.
func (p *policy) checkURL(raw string) (*url.URL, error) {
	shown := raw
	if len(shown) > 200 {
		shown = shown[:200] + "..."
	}
	if len(raw) > maxURLLength {
		return nil, &InvalidURLError{URL: shown, Problem: fmt.Sprintf("longer than %d bytes", maxURLLength)}
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &InvalidURLError{URL: shown, Problem: "cannot be parsed; give an absolute http:// or https:// URL"}
	}
	switch {
	case u.Scheme == "":
		return nil, &InvalidURLError{URL: shown, Problem: "no scheme; give an absolute URL such as https://example.com/page"}
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &RefusedError{Target: shown, Reason: fmt.Sprintf("scheme %q is not supported; only http and https URLs can be fetched", u.Scheme)}
	case u.User != nil:
		return nil, &RefusedError{Target: redactUser(u), Reason: "the URL contains credentials (user:password@); fetch_url does not send credentials, remove them from the URL"}
	case u.Opaque != "" || u.Host == "":
		return nil, &InvalidURLError{URL: shown, Problem: "no host; give an absolute URL such as https://example.com/page"}
	}
	host, ip, err := normalizeHost(u.Hostname())
	if err != nil {
		return nil, &InvalidURLError{URL: shown, Problem: err.Error()}
	}
	port := u.Port()
	if port != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, &InvalidURLError{URL: shown, Problem: fmt.Sprintf("port %q is not a number from 1 to 65535", port)}
		}
		port = strconv.Itoa(n)
	}
	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		u.Host = "[" + host + "]"
	default:
		u.Host = host
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	if err := p.checkHost(host, effectivePort(u.Scheme, port), ip); err != nil {
		return nil, err
	}
	return u, nil
}

// checkHost refuses IP literals and localhost names outside the policy
// before any lookup or connection, unless the user allowed the host.
func (p *policy) checkHost(host, port string, ip netip.Addr) error {
	if p.allow.allows(host, port) {
		return nil
	}
	if ip.IsValid() {
		return checkAddr(ip)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return &RefusedError{Target: host, Reason: "localhost names are loopback addresses; only public internet addresses can be fetched unless the user allows the host with --allow-host HOST[:PORT]"}
	}
	return nil
}

// effectivePort returns port, or the scheme's default port.
func effectivePort(scheme, port string) string {
	if port != "" {
		return port
	}
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// redactUser returns u as a string with its credentials replaced.
func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}
