package httpfetch

import (
	"net/http"
	"testing"
	"time"
)

// robotsServer serves robots.txt with the given status and body, and a page
// everywhere else.
func robotsServer(t *testing.T, status int, body string) *testServer {
	t.Helper()
	return newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("page " + r.URL.RequestURI()))
	}))
}

func TestFetchURL_Robots(t *testing.T) {
	const star = "User-agent: *\nDisallow: /private\nAllow: /private/open\n"
	// A group naming glm-mcp replaces the * group for it.
	const rules = star + "\nUser-agent: glm-mcp\nDisallow: /no-glm\n"
	tests := []struct {
		name   string
		status int
		body   string
		path   string
		ignore bool
		agent  string
		allow  bool
		want   []string // in the refusal
	}{
		{"allowed path", 200, star, "/public/page", false, "", true, nil},
		{"disallowed path", 200, star, "/private/x", false, "", false, []string{"robots.txt", "disallow", "/private/x"}},
		{"longer allow wins", 200, star, "/private/open/doc", false, "", true, nil},
		{"group for glm-mcp", 200, rules, "/no-glm?q=1", false, "", false, []string{"robots.txt"}},
		{"group for glm-mcp replaces *", 200, rules, "/private/x", false, "", true, nil},
		{"other agent's group", 200, rules, "/no-glm", false, "OtherBot/1.0", true, nil},
		{"custom agent group", 200, "User-agent: mybot\nDisallow: /\n", "/a", false, "MyBot/2.0 (+https://example.com)", false, []string{"robots.txt"}},
		{"empty robots.txt", 200, "", "/any", false, "", true, nil},
		{"401 denies", 401, "", "/any", false, "", false, []string{"401", "denies every page"}},
		{"403 denies", 403, "", "/any", false, "", false, []string{"403", "denies every page"}},
		{"404 allows", 404, "", "/any", false, "", true, nil},
		{"410 allows", 410, "", "/any", false, "", true, nil},
		{"429 allows", 429, "", "/any", false, "", true, nil},
		{"500 denies", 500, "", "/any", false, "", false, []string{"500", "try again later"}},
		{"503 denies", 503, "", "/any", false, "", false, []string{"503"}},
		{"ignore robots: disallowed path", 200, star, "/private/x", true, "", true, nil},
		{"ignore robots: 403", 403, "", "/any", true, "", true, nil},
		{"ignore robots: 503", 503, "", "/any", true, "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := robotsServer(t, tt.status, tt.body)
			tk := newToolkit(t, Config{AllowHosts: []string{srv.hostPort()}, IgnoreRobots: tt.ignore, UserAgent: tt.agent})
			args := map[string]any{"url": "http://" + srv.hostPort() + tt.path}
			if tt.allow {
				fr := fetchOK(t, tk, args)
				if fr.Content != "page "+tt.path {
					t.Errorf("content %q", fr.Content)
				}
			} else {
				wantContains(t, fetchErr(t, tk, args), tt.want...)
				if n := srv.countPath(tt.path); n != 0 {
					t.Errorf("the denied page was requested %d times", n)
				}
			}
			wantRobots := 1
			if tt.ignore {
				wantRobots = 0
			}
			if n := srv.countPath("/robots.txt"); n != wantRobots {
				t.Errorf("robots.txt requested %d times, want %d", n, wantRobots)
			}
		})
	}
}

func TestFetchURL_RobotsCachedPerHost(t *testing.T) {
	srv := robotsServer(t, 200, "User-agent: *\nDisallow: /private\n")
	other := robotsServer(t, 200, "")
	tk := newToolkit(t, Config{AllowHosts: []string{"127.0.0.1"}})
	for _, p := range []string{"/a", "/b", "/c"} {
		fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + p})
	}
	fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/private"})
	fetchOK(t, tk, map[string]any{"url": "http://" + other.hostPort() + "/private"})
	if n := srv.countPath("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times from one host, want 1", n)
	}
	if n := other.countPath("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times from the other host, want 1", n)
	}

	// After the TTL the rules are fetched again.
	tk.robots.now = func() time.Time { return time.Now().Add(robotsTTL + time.Minute) }
	fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/d"})
	if n := srv.countPath("/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times after the TTL, want 2", n)
	}
}

// TestFetchURL_RobotsOnRedirect checks the robots.txt of a redirect's target.
func TestFetchURL_RobotsOnRedirect(t *testing.T) {
	target := robotsServer(t, 200, "User-agent: *\nDisallow: /\n")
	origin := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "http://"+target.hostPort()+"/page", http.StatusFound)
	}))
	tk := newToolkit(t, Config{AllowHosts: []string{"127.0.0.1"}})
	msg := fetchErr(t, tk, map[string]any{"url": "http://" + origin.hostPort() + "/go"})
	wantContains(t, msg, "robots.txt", target.hostPort())
	if n := target.countPath("/page"); n != 0 {
		t.Errorf("the page denied by robots.txt was requested")
	}
}

func TestFetchURL_RobotsRedirectLoopAllows(t *testing.T) {
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Redirect(w, r, "/robots.txt", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("page"))
	}))
	tk := newToolkit(t, Config{AllowHosts: []string{srv.hostPort()}})
	fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/x"})
	if n := srv.countPath("/robots.txt"); n != 6 {
		t.Errorf("robots.txt requested %d times, want 6", n)
	}
}
