package httpfetch

import (
	"fmt"
	"net/netip"
)

// RefusedError reports a URL, host or address that the fetch policy does not
// allow. Its message is written for the model: it names what was refused and
// why, and how the user could allow it.
type RefusedError struct {
	// Target is what was refused: a URL, a host or host:port.
	Target string
	// Addr is the refused address, when the refusal is about an address.
	Addr netip.Addr
	// Reason says why, e.g. "a loopback address" or "scheme ftp is not http or https".
	Reason string
}

func (e *RefusedError) Error() string {
	if e.Addr.IsValid() {
		if e.Target != "" && e.Target != e.Addr.String() {
			return fmt.Sprintf("refused %s: it resolves to %s, %s; only public internet addresses can be fetched unless the user allows the host with --allow-host HOST[:PORT]", e.Target, e.Addr, e.Reason)
		}
		return fmt.Sprintf("refused %s: %s; only public internet addresses can be fetched unless the user allows the host with --allow-host HOST[:PORT]", e.Addr, e.Reason)
	}
	return fmt.Sprintf("refused %s: %s", e.Target, e.Reason)
}

// special is a range of addresses that is not the public internet.
type special struct {
	prefix netip.Prefix
	reason string
	// embedded, when set, extracts an IPv4 address the range carries
	// (NAT64, 6to4); that address is checked instead of refusing the range.
	embedded func(netip.Addr) netip.Addr
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// specialV4 lists the IPv4 ranges refused by default (IANA special-purpose
// registry plus multicast and reserved space).
var specialV4 = []special{
	{mustPrefix("0.0.0.0/8"), "an unspecified (\"this network\") address", nil},
	{mustPrefix("10.0.0.0/8"), "a private network address", nil},
	{mustPrefix("100.64.0.0/10"), "a carrier-grade NAT (shared) address", nil},
	{mustPrefix("127.0.0.0/8"), "a loopback address", nil},
	{mustPrefix("169.254.0.0/16"), "a link-local address (cloud metadata services live here)", nil},
	{mustPrefix("172.16.0.0/12"), "a private network address", nil},
	{mustPrefix("192.0.0.0/24"), "an IETF protocol assignment address", nil},
	{mustPrefix("192.0.2.0/24"), "a documentation address", nil},
	{mustPrefix("192.88.99.0/24"), "a 6to4 relay anycast address", nil},
	{mustPrefix("192.168.0.0/16"), "a private network address", nil},
	{mustPrefix("198.18.0.0/15"), "a benchmarking address", nil},
	{mustPrefix("198.51.100.0/24"), "a documentation address", nil},
	{mustPrefix("203.0.113.0/24"), "a documentation address", nil},
	{mustPrefix("224.0.0.0/4"), "a multicast address", nil},
	{mustPrefix("240.0.0.0/4"), "a reserved or broadcast address", nil},
}

// specialV6 lists the IPv6 ranges refused by default. Anything outside
// 2000::/3 (global unicast) is refused too, see checkAddr.
var specialV6 = []special{
	{mustPrefix("::/128"), "an unspecified address", nil},
	{mustPrefix("::1/128"), "a loopback address", nil},
	{mustPrefix("64:ff9b::/96"), "a NAT64 address", embeddedLow32},
	{mustPrefix("64:ff9b:1::/48"), "a local-use NAT64 address", nil},
	{mustPrefix("100::/64"), "a discard-only address", nil},
	{mustPrefix("2001::/23"), "an IETF protocol assignment address (Teredo, ORCHID, ...)", nil},
	{mustPrefix("2001:db8::/32"), "a documentation address", nil},
	{mustPrefix("2002::/16"), "a 6to4 address", embedded6to4},
	{mustPrefix("3fff::/20"), "a documentation address", nil},
	{mustPrefix("5f00::/16"), "a segment routing (SRv6) address", nil},
	{mustPrefix("fc00::/7"), "a unique local (private) address", nil},
	{mustPrefix("fe80::/10"), "a link-local address", nil},
	{mustPrefix("fec0::/10"), "a site-local address", nil},
	{mustPrefix("ff00::/8"), "a multicast address", nil},
}

var globalUnicastV6 = mustPrefix("2000::/3")

// embeddedLow32 returns the IPv4 address in the last 32 bits (NAT64, RFC 6052).
func embeddedLow32(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}

// embedded6to4 returns the IPv4 address in bits 16-47 of a 6to4 address (RFC 3056).
func embedded6to4(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
}

// checkAddr returns a *RefusedError if a is not a public internet address.
// IPv4-mapped IPv6 addresses are checked as the IPv4 address they map, and
// NAT64 and 6to4 addresses as the IPv4 address they embed.
func checkAddr(a netip.Addr) error {
	reason := addrReason(a)
	if reason == "" {
		return nil
	}
	return &RefusedError{Target: a.String(), Addr: a.WithZone(""), Reason: reason}
}

// addrReason says why a is refused, or "" if it is a public address.
func addrReason(a netip.Addr) string {
	if !a.IsValid() {
		return "not a valid IP address"
	}
	a = a.WithZone("")
	if a.Is4In6() {
		if r := addrReason(a.Unmap()); r != "" {
			return "an IPv4-mapped form of " + r
		}
		return ""
	}
	if a.Is4() {
		for _, s := range specialV4 {
			if s.prefix.Contains(a) {
				return s.reason
			}
		}
		return ""
	}
	for _, s := range specialV6 {
		if !s.prefix.Contains(a) {
			continue
		}
		if s.embedded != nil {
			if r := addrReason(s.embedded(a)); r != "" {
				return s.reason + " embedding " + r
			}
			return ""
		}
		return s.reason
	}
	if !globalUnicastV6.Contains(a) {
		// Reserved space, IPv4-compatible (::/96) and anything unassigned.
		return "an IPv6 address outside the global unicast range"
	}
	return ""
}
