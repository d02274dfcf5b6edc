package httpfetch

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		name   string
		addr   string
		reason string // "" means allowed
	}{
		{"public v4", "93.184.216.34", ""},
		{"public dns", "8.8.8.8", ""},
		{"just below cgnat", "100.63.255.255", ""},
		{"just above cgnat", "100.128.0.0", ""},
		{"just below 172.16/12", "172.15.255.255", ""},
		{"just above 172.16/12", "172.32.0.0", ""},
		{"public v6", "2606:4700:4700::1111", ""},
		{"mapped public", "::ffff:8.8.8.8", ""},
		{"nat64 of public", "64:ff9b::808:808", ""},
		{"6to4 of public", "2002:808:808::1", ""},
		{"this network", "0.1.2.3", "unspecified"},
		{"unspecified v4", "0.0.0.0", "unspecified"},
		{"private 10", "10.255.255.255", "private"},
		{"cgnat", "100.64.0.1", "carrier-grade NAT"},
		{"cgnat top", "100.127.255.255", "carrier-grade NAT"},
		{"loopback", "127.0.0.1", "loopback"},
		{"loopback range", "127.254.0.9", "loopback"},
		{"metadata", "169.254.169.254", "link-local"},
		{"private 172", "172.31.255.255", "private"},
		{"ietf", "192.0.0.8", "IETF"},
		{"test-net-1", "192.0.2.1", "documentation"},
		{"6to4 relay", "192.88.99.1", "6to4 relay"},
		{"private 192", "192.168.0.1", "private"},
		{"benchmark", "198.19.255.255", "benchmarking"},
		{"test-net-2", "198.51.100.1", "documentation"},
		{"test-net-3", "203.0.113.9", "documentation"},
		{"multicast", "239.255.255.250", "multicast"},
		{"reserved", "240.0.0.1", "reserved"},
		{"broadcast", "255.255.255.255", "broadcast"},
		{"v6 unspecified", "::", "unspecified"},
		{"v6 loopback", "::1", "loopback"},
		{"v4-compatible", "::127.0.0.1", "outside the global unicast"},
		{"mapped loopback", "::ffff:127.0.0.1", "IPv4-mapped form of a loopback"},
		{"mapped private", "::ffff:10.0.0.1", "private"},
		{"nat64 of loopback", "64:ff9b::7f00:1", "NAT64 address embedding a loopback"},
		{"local nat64", "64:ff9b:1::1", "local-use NAT64"},
		{"discard", "100::1", "discard"},
		{"teredo", "2001::1", "Teredo"},
		{"orchid", "2001:20::1", "IETF"},
		{"v6 documentation", "2001:db8::1", "documentation"},
		{"6to4 of private", "2002:c0a8:101::1", "6to4 address embedding a private"},
		{"v6 documentation 3fff", "3fff::1", "documentation"},
		{"srv6", "5f00::1", "segment routing"},
		{"unique local", "fd12:3456::1", "unique local"},
		{"unique local fc", "fc00::1", "unique local"},
		{"link-local v6", "fe80::1", "link-local"},
		{"site-local", "fec0::1", "site-local"},
		{"multicast v6", "ff02::1", "multicast"},
		{"unassigned v6", "4000::1", "outside the global unicast"},
		{"invalid", "", "not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a netip.Addr
			if tt.addr != "" {
				a = netip.MustParseAddr(tt.addr)
			}
			err := checkAddr(a)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("checkAddr(%s) = %v, want allowed", tt.addr, err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.reason) {
				t.Fatalf("checkAddr(%s) = %v, want a refusal with %q", tt.addr, err, tt.reason)
			}
		})
	}
}

func TestControlCheck(t *testing.T) {
	tests := []struct {
		address string
		refused bool
	}{
		{"93.184.216.34:443", false},
		{"[2606:4700:4700::1111]:443", false},
		{"127.0.0.1:80", true},
		{"[::1]:80", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"169.254.169.254:80", true},
		{"not-an-address", true},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			if err := controlCheck(tt.address); (err != nil) != tt.refused {
				t.Fatalf("controlCheck(%s) = %v, want refused=%v", tt.address, err, tt.refused)
			}
		})
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		want    string
		isIP    bool
		wantErr string
	}{
		{"name", "Example.COM", "example.com", false, ""},
		{"trailing dot", "example.com.", "example.com", false, ""},
		{"underscore", "my_host.example", "my_host.example", false, ""},
		{"idn", "Bücher.example", "xn--bcher-kva.example", false, ""},
		{"dotted quad", "127.0.0.1", "127.0.0.1", true, ""},
		{"decimal", "2130706433", "127.0.0.1", true, ""},
		{"hex", "0x7f000001", "127.0.0.1", true, ""},
		{"hex upper", "0X7F000001", "127.0.0.1", true, ""},
		{"short", "127.1", "127.0.0.1", true, ""},
		{"three parts", "10.1.258", "10.1.1.2", true, ""},
		{"octal", "0177.0.0.01", "127.0.0.1", true, ""},
		{"mixed radix", "0x7f.0.0.0x1", "127.0.0.1", true, ""},
		{"trailing dot ip", "127.0.0.1.", "127.0.0.1", true, ""},
		{"zero", "0", "0.0.0.0", true, ""},
		{"bare 0x", "0x", "0.0.0.0", true, ""},
		{"ipv6", "0:0:0:0:0:0:0:1", "::1", true, ""},
		{"mapped", "::ffff:7f00:1", "::ffff:127.0.0.1", true, ""},
		{"name ending in letters", "1.2.3.com", "1.2.3.com", false, ""},
		{"full-width digits", "１２７．０．０．１", "127.0.0.1", true, ""},
		{"ideographic dots", "127。0。0。1", "127.0.0.1", true, ""},
		{"octet too large", "1.2.3.256", "", false, "not a valid one"},
		{"too many parts", "1.2.3.4.5", "", false, "not a valid one"},
		{"too large", "4294967296", "", false, "not a valid one"},
		{"bad octal", "09.1.1.1", "", false, "not a valid one"},
		{"empty part", "1..2", "", false, "not a valid one"},
		{"zone", "fe80::1%eth0", "", false, "zone"},
		{"bad ipv6", "1:2", "", false, "not a valid IPv6"},
		{"empty", "", "", false, "empty"},
		{"space", "a b", "", false, "not a valid host name"},
		{"empty label", "a..b", "", false, "not a valid host name"},
		{"long label", strings.Repeat("a", 64) + ".com", "", false, "not a valid host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ip, err := normalizeHost(tt.host)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("normalizeHost(%q) = %q, %v; want error %q", tt.host, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || ip.IsValid() != tt.isIP {
				t.Fatalf("normalizeHost(%q) = %q, %v, %v; want %q, ip=%v", tt.host, got, ip, err, tt.want, tt.isIP)
			}
		})
	}
}

func TestParseAllowHost(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    string
		wantErr string
	}{
		{"localhost", "localhost", "", ""},
		{"LocalHost:8080", "localhost", "8080", ""},
		{"127.0.0.1:080", "127.0.0.1", "80", ""},
		{"[::1]:8443", "::1", "8443", ""},
		{"[::1]", "::1", "", ""},
		{"::1", "::1", "", ""},
		{"2130706433", "127.0.0.1", "", ""},
		{"intranet.example.", "intranet.example", "", ""},
		{"", "", "", "empty"},
		{"http://localhost", "", "", "not a URL"},
		{"localhost/path", "", "", "not a URL"},
		{"localhost:x", "", "", "port"},
		{"localhost:65536", "", "", "port"},
		{"[::1]:", "", "", "port"},
		{"a b", "", "", "not a valid host name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := parseAllowHost(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseAllowHost(%q) = %+v, %v; want error %q", tt.in, e, err, tt.wantErr)
				}
				return
			}
			if err != nil || e.host != tt.host || e.port != tt.port {
				t.Fatalf("parseAllowHost(%q) = %+v, %v; want %s port %q", tt.in, e, err, tt.host, tt.port)
			}
		})
	}
}

func TestPolicy_CheckURL(t *testing.T) {
	p := &policy{allow: allowList{{host: "127.0.0.1", port: "8080"}, {host: "intranet.example"}}}
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr string
	}{
		{"canonical", "HTTPS://Example.COM./a/b?q=1#frag", "https://example.com/a/b?q=1", ""},
		{"empty path", "http://example.com", "http://example.com/", ""},
		{"default port kept", "http://example.com:80/", "http://example.com:80/", ""},
		{"port leading zero", "http://example.com:0080/", "http://example.com:80/", ""},
		{"idn", "http://bücher.example/", "http://xn--bcher-kva.example/", ""},
		{"public ipv6", "http://[2606:4700::1111]/", "http://[2606:4700::1111]/", ""},
		{"public ipv6 port", "http://[2606:4700::1111]:8080/", "http://[2606:4700::1111]:8080/", ""},
		{"allowed ip port", "http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x", ""},
		{"allowed decimal", "http://2130706433:8080/x", "http://127.0.0.1:8080/x", ""},
		{"allowed name", "http://intranet.example:9000/", "http://intranet.example:9000/", ""},
		{"allowed ip other port", "http://127.0.0.1:8081/", "", "loopback"},
		{"allowed ip default port", "http://127.0.0.1/", "", "loopback"},
		{"spaces trimmed", "  http://example.com/  ", "http://example.com/", ""},
		{"javascript", "javascript:alert(1)", "", `scheme "javascript"`},
		{"data", "data:text/html,hi", "", `scheme "data"`},
		{"ws", "ws://example.com/", "", `scheme "ws"`},
		{"credentials redacted", "http://a:b@example.com/", "", "REDACTED"},
		{"empty port", "http://example.com:/", "", "port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := p.checkURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("checkURL(%q) = %v, %v; want error %q", tt.raw, u, err, tt.wantErr)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("checkURL(%q) = %v, %v; want %s", tt.raw, u, err, tt.want)
			}
		})
	}
}
