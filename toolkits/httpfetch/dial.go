package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies it;
// tests inject a fake so that no test looks up a real name.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// DialFunc connects to an address. The dialer calls it only with an IP
// literal and port that passed the policy.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

const (
	// maxDialCandidates bounds how many resolved addresses one dial tries.
	maxDialCandidates = 4
	// perAddressTimeout bounds one connect when other addresses remain to try.
	perAddressTimeout = 10 * time.Second
)

// dialer is the transport's DialContext. It resolves the host itself, refuses
// every address outside the policy unless the host was allowed by name, and
// connects to the checked IP literally, so that what is checked is what is
// connected to (no second lookup, so DNS rebinding cannot slip in between).
// A net.Dialer Control function checks the socket's address again.
type dialer struct {
	policy   *policy
	resolver Resolver
	connect  DialFunc // nil: a net.Dialer with the Control check
}

// DialContext implements the http.Transport hook.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	canon, ip, err := normalizeHost(host)
	if err != nil {
		return nil, &RefusedError{Target: host, Reason: err.Error()}
	}
	allowed := d.policy.allow.allows(canon, port)
	if !allowed {
		if err := d.policy.checkHost(canon, port, ip); err != nil {
			return nil, err
		}
	}
	addrs := []netip.Addr{ip}
	if !ip.IsValid() {
		addrs, err = d.resolver.LookupNetIP(ctx, lookupNetwork(network), canon)
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", canon, err)
		}
	}
	candidates, refusal := d.filter(canon, network, addrs, allowed)
	if len(candidates) == 0 {
		if refusal != nil {
			return nil, refusal
		}
		return nil, fmt.Errorf("look up %s: no %s address", canon, lookupNetwork(network))
	}
	return d.dialFirst(ctx, network, port, candidates, allowed)
}

// filter keeps the addresses the policy allows (all of them for an allowed
// host), unmapped, of the family network asks for, and at most
// maxDialCandidates. refusal describes the first refused address.
func (d *dialer) filter(host, network string, addrs []netip.Addr, allowed bool) ([]netip.Addr, error) {
	var out []netip.Addr
	var refusal error
	for _, a := range addrs {
		a = a.Unmap()
		if !allowed {
			if err := checkAddr(a); err != nil {
				if refusal == nil {
					var re *RefusedError
					if errors.As(err, &re) {
						re.Target = host
					}
					refusal = err
				}
				continue
			}
		}
		if network == "tcp4" && !a.Is4() || network == "tcp6" && !a.Is6() {
			continue
		}
		out = append(out, a)
		if len(out) == maxDialCandidates {
			break
		}
	}
	return out, refusal
}

// dialFirst connects to the first candidate that answers.
func (d *dialer) dialFirst(ctx context.Context, network, port string, candidates []netip.Addr, allowed bool) (net.Conn, error) {
	var errs []error
	for i, a := range candidates {
		target := net.JoinHostPort(a.String(), port)
		attemptCtx, cancel := ctx, context.CancelFunc(func() {})
		if i < len(candidates)-1 {
			attemptCtx, cancel = context.WithTimeout(ctx, perAddressTimeout)
		}
		conn, err := d.dialChecked(attemptCtx, network, target, allowed)
		cancel()
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// dialChecked connects to target, an IP literal and port.
func (d *dialer) dialChecked(ctx context.Context, network, target string, allowed bool) (net.Conn, error) {
	if d.connect != nil {
		return d.connect(ctx, network, target)
	}
	nd := &net.Dialer{
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if allowed {
				return nil
			}
			return controlCheck(address)
		},
	}
	return nd.DialContext(ctx, network, target)
}

// controlCheck is the last line of defence: it checks the address the
// socket is about to connect to, after every resolution.
func controlCheck(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Target: address, Reason: "the socket address cannot be checked"}
	}
	return checkAddr(ap.Addr())
}

// lookupNetwork maps a dial network to the resolver's network.
func lookupNetwork(network string) string {
	switch {
	case strings.HasSuffix(network, "4"):
		return "ip4"
	case strings.HasSuffix(network, "6"):
		return "ip6"
	}
	return "ip"
}
