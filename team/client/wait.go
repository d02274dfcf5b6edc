package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// waitHealthy waits (up to 30 s) until every base URL's /healthz answers 200.
func waitHealthy(ctx context.Context, bases []string) error {
	for _, b := range bases {
		ok := false
		for range 300 {
			if status(ctx, strings.TrimSuffix(b, "/")+"/healthz") == http.StatusOK {
				ok = true
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !ok {
			return fmt.Errorf("%s/healthz never answered 200", b)
		}
	}
	return nil
}

// waitBalancer waits (up to 30 s) until HAProxy's stats page lists want
// servers UP in the glm_mcp backend.
func waitBalancer(ctx context.Context, stats string, want int) error {
	var up int
	for range 300 {
		up = serversUp(ctx, strings.TrimSuffix(stats, "/")+"/;csv")
		if up == want {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("HAProxy has %d servers UP, want %d", up, want)
}

func status(ctx context.Context, url string) int {
	code := 0
	get(ctx, url, func(resp *http.Response) { code = resp.StatusCode })
	return code
}

// get fetches url, within 2 s, and hands the answer to use before closing
// it; nothing happens when the request fails.
func get(ctx context.Context, url string, use func(*http.Response)) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	use(resp)
}

// serversUp counts the glm_mcp backend's servers whose status is UP in
// HAProxy's CSV statistics (columns pxname, svname, …, status).
func serversUp(ctx context.Context, url string) int {
	var rows [][]string
	get(ctx, url, func(resp *http.Response) {
		r := csv.NewReader(resp.Body)
		r.FieldsPerRecord = -1
		if all, err := r.ReadAll(); err == nil {
			rows = all
		}
	})
	if len(rows) == 0 {
		return 0
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimPrefix(name, "# ")] = i
	}
	up := 0
	for _, row := range rows[1:] {
		if len(row) > col["status"] && row[col["pxname"]] == "glm_mcp" && strings.HasPrefix(row[col["svname"]], "r") && row[col["status"]] == "UP" {
			up++
		}
	}
	return up
}
