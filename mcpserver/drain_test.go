package mcpserver

import "testing"

func TestDrain_LineKinds(t *testing.T) {
	tests := []struct {
		name          string
		line          string
		request, resp bool
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`, true, false},
		{"request, id last", `{"method":"ping","params":{},"jsonrpc":"2.0","id":"a"}`, true, false},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, false, false},
		{"null id", `{"jsonrpc":"2.0","id":null,"method":"x"}`, false, false},
		{"client answer to a server request", `{"jsonrpc":"2.0","id":7,"result":{"roots":[]}}`, false, true},
		{"error response", `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad"}}`, false, true},
		{"server request", `{"jsonrpc":"2.0","id":9,"method":"roots/list"}`, true, false},
		{"not JSON", `hello`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := requestLine([]byte(tc.line)); got != tc.request {
				t.Errorf("requestLine = %v, want %v", got, tc.request)
			}
			if got := responseLine([]byte(tc.line)); got != tc.resp {
				t.Errorf("responseLine = %v, want %v", got, tc.resp)
			}
		})
	}
}
