package httpfetch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// normalizeHost returns the canonical form of a URL host name (without
// brackets or port): IP literals in their standard form, the legacy IPv4
// spellings browsers accept ("2130706433", "0x7f000001", "127.1", "0177.0.0.1")
// turned into dotted quads as the WHATWG URL standard does, and names
// lower-cased, without a trailing dot and IDNA-encoded. ip is valid when the
// host is an IP literal.
func normalizeHost(host string) (canon string, ip netip.Addr, err error) {
	if host == "" {
		return "", netip.Addr{}, errors.New("the host is empty")
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return "", netip.Addr{}, fmt.Errorf("%q is not a valid IPv6 address", host)
		}
		if a.Zone() != "" {
			return "", netip.Addr{}, fmt.Errorf("IPv6 zone identifiers are not supported (%q)", host)
		}
		return a.String(), a, nil
	}
	h := strings.ToLower(host)
	if !isASCII(h) {
		// Before the IPv4 check, as in the URL standard: IDNA mapping turns
		// full-width digits and dots into ASCII ones.
		h, err = idna.Lookup.ToASCII(h)
		if err != nil {
			return "", netip.Addr{}, fmt.Errorf("%q is not a valid international domain name: %w", host, err)
		}
	}
	if len(h) > 1 {
		h = strings.TrimSuffix(h, ".")
	}
	if endsInNumber(h) {
		a, err := parseLegacyIPv4(h)
		if err != nil {
			return "", netip.Addr{}, fmt.Errorf("%q looks like an IPv4 address but is not a valid one: %w", host, err)
		}
		return a.String(), a, nil
	}
	if err := checkHostName(h); err != nil {
		return "", netip.Addr{}, err
	}
	return h, netip.Addr{}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkHostName accepts DNS names of letters, digits, '-' and '_'.
func checkHostName(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("host name %.40q... is longer than 253 characters", h)
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%q is not a valid host name (empty or over-long label)", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return fmt.Errorf("%q is not a valid host name (character %q)", h, c)
			}
		}
	}
	return nil
}

// endsInNumber reports whether the WHATWG URL parser would treat host as an
// IPv4 address: its last label is decimal digits or 0x-prefixed hex.
func endsInNumber(host string) bool {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last == "" {
		return false
	}
	if allIn(last, "0123456789") {
		return true
	}
	if len(last) >= 2 && (last[:2] == "0x" || last[:2] == "0X") {
		return allIn(last[2:], "0123456789abcdefABCDEF")
	}
	return false
}

func allIn(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(set, rune(s[i])) {
			return false
		}
	}
	return true
}

// parseLegacyIPv4 parses the IPv4 forms of the WHATWG URL standard: one to
// four parts, each decimal, octal (leading 0) or hex (0x), the last part
// filling the remaining bytes.
func parseLegacyIPv4(host string) (netip.Addr, error) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, errors.New("more than four parts")
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := parseIPv4Number(p)
		if err != nil {
			return netip.Addr{}, err
		}
		if i < len(parts)-1 && n > 255 {
			return netip.Addr{}, fmt.Errorf("part %q is over 255", p)
		}
		nums[i] = n
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, fmt.Errorf("last part %q is too large", parts[len(parts)-1])
	}
	v := last
	for i := 0; i < len(nums)-1; i++ {
		v += nums[i] << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

// parseIPv4Number parses one part of a legacy IPv4 address; values over
// 32 bits are refused rather than wrapped.
func parseIPv4Number(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("empty part")
	}
	base, digits := uint64(10), s
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, digits = 16, s[2:]
	case len(s) >= 2 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d, ok := digitValue(digits[i])
		if !ok || d >= base {
			return 0, fmt.Errorf("part %q is not a number", s)
		}
		v = v*base + d
		if v > 0xFFFFFFFF {
			return 0, fmt.Errorf("part %q is too large", s)
		}
	}
	return v, nil
}

func digitValue(c byte) (uint64, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

// allowEntry is one --allow-host value: a canonical host and a port, "" for any.
type allowEntry struct {
	host string
	port string
}

// allowList holds the hosts the user allowed past the address policy.
type allowList []allowEntry

// parseAllowHosts validates and normalises --allow-host values.
func parseAllowHosts(values []string) (allowList, error) {
	var l allowList
	for _, v := range values {
		e, err := parseAllowHost(v)
		if err != nil {
			return nil, fmt.Errorf("allow-host %q: %w", v, err)
		}
		l = append(l, e)
	}
	return l, nil
}

// parseAllowHost parses HOST, HOST:PORT, IPv6, [IPv6] or [IPv6]:PORT.
func parseAllowHost(v string) (allowEntry, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return allowEntry{}, errors.New("empty; give HOST or HOST:PORT")
	}
	if strings.ContainsAny(s, "/@?#") || strings.Contains(s, "://") {
		return allowEntry{}, errors.New("give HOST or HOST:PORT, not a URL")
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		host = s[1 : len(s)-1]
	case strings.HasPrefix(s, "["), strings.Count(s, ":") == 1:
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return allowEntry{}, fmt.Errorf("give HOST or HOST:PORT: %w", err)
		}
		if p == "" {
			return allowEntry{}, errors.New("empty port; give HOST or HOST:PORT")
		}
		host, port = h, p
	}
	canon, _, err := normalizeHost(host)
	if err != nil {
		return allowEntry{}, err
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return allowEntry{}, fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		port = strconv.Itoa(n)
	}
	return allowEntry{host: canon, port: port}, nil
}

// allows reports whether the canonical host and port were named by the user.
func (l allowList) allows(host, port string) bool {
	for _, e := range l {
		if e.host == host && (e.port == "" || e.port == port) {
			return true
		}
	}
	return false
}
