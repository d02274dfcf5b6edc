package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

const (
	// robotsTTL is how long a robots.txt answer is kept per host.
	robotsTTL = 30 * time.Minute
	// robotsErrorTTL is how long a 5xx answer (a temporary full deny) is kept.
	robotsErrorTTL = time.Minute
	// robotsMaxBytes is the most of a robots.txt read (Google reads 500 KiB).
	robotsMaxBytes = 512 << 10
	// robotsCacheEntries bounds the number of hosts remembered.
	robotsCacheEntries = 256
)

// RobotsError reports a page the site's robots.txt does not let glm-mcp fetch.
type RobotsError struct {
	URL       string
	RobotsURL string
	Reason    string
}

func (e *RobotsError) Error() string {
	return fmt.Sprintf("robots.txt (%s) does not allow fetching %s: %s; the site asks automated clients not to fetch it, so use another source (the user can turn the check off with --ignore-robots)", e.RobotsURL, e.URL, e.Reason)
}

// robotsRules is the verdict of one robots.txt: parsed rules, or a full
// allow or deny with the reason.
type robotsRules struct {
	data    *robotstxt.RobotsData // nil: all allowed, or all denied if denied != ""
	denied  string
	expires time.Time
}

// robotsCache fetches robots.txt once per scheme://host:port and keeps it.
type robotsCache struct {
	client *http.Client
	agent  string
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]robotsRules
}

func newRobotsCache(client *http.Client, agent string, ttl time.Duration) *robotsCache {
	return &robotsCache{client: client, agent: agent, ttl: ttl, now: time.Now, entries: map[string]robotsRules{}}
}

// check returns a *RobotsError if robots.txt denies u, or the error that kept
// robots.txt from being read.
func (c *robotsCache) check(ctx context.Context, u *url.URL) error {
	origin := u.Scheme + "://" + u.Host
	rules, err := c.rules(ctx, origin)
	if err != nil {
		return err
	}
	robotsURL := origin + "/robots.txt"
	if rules.denied != "" {
		return &RobotsError{URL: u.String(), RobotsURL: robotsURL, Reason: rules.denied}
	}
	if rules.data == nil {
		return nil
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !rules.data.TestAgent(path, c.agent) {
		return &RobotsError{URL: u.String(), RobotsURL: robotsURL, Reason: "its rules disallow this path for our user agent"}
	}
	return nil
}

func (c *robotsCache) rules(ctx context.Context, origin string) (robotsRules, error) {
	c.mu.Lock()
	r, ok := c.entries[origin]
	c.mu.Unlock()
	if ok && c.now().Before(r.expires) {
		return r, nil
	}
	r, err := c.fetch(ctx, origin)
	if err != nil {
		return robotsRules{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= robotsCacheEntries {
		c.evictLocked()
	}
	c.entries[origin] = r
	return r, nil
}

// evictLocked drops expired entries, or the one expiring first.
func (c *robotsCache) evictLocked() {
	now := c.now()
	oldest := ""
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
			continue
		}
		if oldest == "" || e.expires.Before(c.entries[oldest].expires) {
			oldest = k
		}
	}
	if len(c.entries) >= robotsCacheEntries && oldest != "" {
		delete(c.entries, oldest)
	}
}

// fetch reads origin's robots.txt: 2xx is parsed; 401 and 403 deny all;
// other 4xx (no robots.txt) allow all; 5xx deny all for a while; more than
// maxRedirects redirects count as no robots.txt.
func (c *robotsCache) fetch(ctx context.Context, origin string) (robotsRules, error) {
	now := c.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return robotsRules{}, fmt.Errorf("robots.txt request: %w", err)
	}
	req.Header.Set("User-Agent", c.agent)
	req.Header.Set("Accept", "text/plain,*/*;q=0.5")
	resp, err := c.client.Do(req)
	if errors.Is(err, errTooManyRedirects) {
		return robotsRules{expires: now.Add(c.ttl)}, nil
	}
	if err != nil {
		return robotsRules{}, fmt.Errorf("fetch %s/robots.txt: %w", origin, err)
	}
	defer func() { _ = resp.Body.Close() }()
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return robotsRules{denied: fmt.Sprintf("robots.txt answered %s, which denies every page", resp.Status), expires: now.Add(c.ttl)}, nil
	case code >= 500:
		return robotsRules{denied: fmt.Sprintf("robots.txt answered %s, which denies every page until the site recovers; try again later", resp.Status), expires: now.Add(robotsErrorTTL)}, nil
	case code < 200 || code >= 300:
		return robotsRules{expires: now.Add(c.ttl)}, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, robotsMaxBytes))
	if err != nil {
		return robotsRules{}, fmt.Errorf("read %s/robots.txt: %w", origin, err)
	}
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		// An unparseable robots.txt states no rules.
		return robotsRules{expires: now.Add(c.ttl)}, nil
	}
	return robotsRules{data: data, expires: now.Add(c.ttl)}, nil
}
