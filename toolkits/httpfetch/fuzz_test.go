package httpfetch

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheckURL checks that an accepted URL is http(s), has no credentials,
// is stable under a second check, and that an IP literal host is public.
// Seeds are in testdata/fuzz/FuzzCheckURL.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "https://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/",
		"http://127.1/", "http://user:pw@example.com/", "file:///etc/passwd", "http://[fe80::1%25eth0]/",
		"http://%31%32%37.0.0.1/", "http://localhost./", "http://bücher.example/", "HTTP://EXAMPLE.COM:0080",
	} {
		f.Add(s)
	}
	p := &policy{}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.checkURL(raw)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("accepted scheme %q in %q", u.Scheme, raw)
		}
		if u.User != nil {
			t.Fatalf("accepted credentials in %q", raw)
		}
		host := u.Hostname()
		if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("accepted host %q in %q", host, raw)
		}
		if a, err := netip.ParseAddr(host); err == nil {
			if err := checkAddr(a); err != nil {
				t.Fatalf("accepted %q with a refused address: %v", raw, err)
			}
		}
		again, err := p.checkURL(u.String())
		if err != nil {
			t.Fatalf("canonical %q of %q refused on a second check: %v", u, raw, err)
		}
		if again.String() != u.String() {
			t.Fatalf("canonical form not stable: %q then %q", u, again)
		}
	})
}

// FuzzCheckAddr cross-checks the policy against the standard library's
// classification and checks that mapped addresses follow their IPv4 form.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "8.8.8.8", "fe80::1", "2001::1", "100.64.0.1"} {
		a := netip.MustParseAddr(s)
		b := a.AsSlice()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		err := checkAddr(a)
		u := a.Unmap()
		if a.Is4In6() && (err == nil) != (checkAddr(u) == nil) {
			t.Fatalf("%s and %s get different verdicts", a, u)
		}
		if err != nil {
			return
		}
		if u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsLinkLocalMulticast() ||
			u.IsMulticast() || u.IsUnspecified() || u.IsInterfaceLocalMulticast() || !u.IsGlobalUnicast() {
			t.Fatalf("allowed %s, which the standard library says is not public", a)
		}
		if u.Is4() && netip.MustParsePrefix("100.64.0.0/10").Contains(u) {
			t.Fatalf("allowed CGNAT address %s", a)
		}
		if nat64 := netip.MustParsePrefix("64:ff9b::/96"); nat64.Contains(u) {
			if v4 := embeddedLow32(u); checkAddr(v4) != nil {
				t.Fatalf("allowed NAT64 %s of refused %s", a, v4)
			}
			return
		}
		if u.Is6() && !netip.MustParsePrefix("2000::/3").Contains(u) {
			t.Fatalf("allowed %s outside 2000::/3 (NAT64 aside)", a)
		}
		if v4 := embedded6to4(u); netip.MustParsePrefix("2002::/16").Contains(u) && checkAddr(v4) != nil {
			t.Fatalf("allowed 6to4 %s of refused %s", a, v4)
		}
	})
}

// FuzzNormalizeHost checks that normalisation is idempotent and that an
// address result is in standard form.
func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"2130706433", "0x7f000001", "127.1", "0177.0.0.1", "Example.COM.", "bücher.example", "::ffff:7f00:1", "1.2.3.256", "0x", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		canon, ip, err := normalizeHost(host)
		if err != nil {
			return
		}
		if ip.IsValid() && canon != ip.String() {
			t.Fatalf("normalizeHost(%q) = %q, address %s", host, canon, ip)
		}
		again, ip2, err := normalizeHost(canon)
		if err != nil || again != canon || ip2 != ip {
			t.Fatalf("normalizeHost(%q) = %q, then %q, %v", host, canon, again, err)
		}
	})
}

// FuzzParseAllowHost checks that a valid --allow-host entry allows exactly
// its own host.
func FuzzParseAllowHost(f *testing.F) {
	for _, s := range []string{"localhost", "127.0.0.1:8080", "[::1]:80", "::1", "example.com:443", "[::1]:", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		e, err := parseAllowHost(v)
		if err != nil {
			return
		}
		l := allowList{e}
		port := e.port
		if port == "" {
			port = "80"
		}
		if !l.allows(e.host, port) {
			t.Fatalf("%q does not allow its own host %s:%s", v, e.host, port)
		}
		if l.allows(e.host+"x", port) {
			t.Fatalf("%q allows another host", v)
		}
	})
}
