package source

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrRefused is wrapped by every refusal of the Guard: a blocked address,
// port or scheme, or a URL with credentials in it.
var ErrRefused = errors.New("refused by the ssrf guard")

// blockedRange is an address range outgoing requests may not reach unless
// allow-listed, with the reason given in the refusal.
type blockedRange struct {
	prefix netip.Prefix
	why    string
}

// blockedRanges lists the non-public address ranges (after the IANA IPv4
// and IPv6 special-purpose address registries). IPv6 addresses that embed
// an IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64,
// 6to4) are also checked as that IPv4 address.
var blockedRanges = []blockedRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network (0.0.0.0/8)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT, RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (includes cloud metadata 169.254.169.254)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (TEST-NET-1)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (TEST-NET-2)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (TEST-NET-3)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "deprecated IPv4-compatible"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (ULA)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use IPv4/IPv6 translation (RFC 8215)"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (includes Teredo 2001::/32)"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing (SRv6 SIDs)"},
}

var (
	nat64Prefix      = netip.MustParsePrefix("64:ff9b::/96")
	translatedPrefix = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated (SIIT, RFC 2765)
	v4CompatPrefix   = netip.MustParsePrefix("::/96")
	sixToFourPrefix  = netip.MustParsePrefix("2002::/16")
	lastV4Compat     = netip.MustParseAddr("::ffff")
	errNotAnIPv4Form = errors.New("no embedded IPv4 address")
)

// Guard is the SSRF policy for outgoing requests to addresses chosen by
// users, such as documents fetched by URL. It refuses loopback, private
// (RFC 1918), link-local (with the 169.254.169.254 metadata service),
// CGNAT, unspecified, multicast, broadcast and reserved addresses, their
// IPv6 counterparts (::1, fc00::/7, fe80::/10, ff00::/8) and every IPv6
// form that embeds one of them (IPv4-mapped, IPv4-compatible, NAT64,
// 6to4), unless an Allow prefix contains the address. It allows only
// https (and http when AllowHTTP is set) on the listed ports, and no
// credentials in URLs.
//
// The address check runs at dial time on the resolved IP (see Control),
// so a name that resolves to a public address when checked and to a
// private one when dialled (DNS rebinding) is still refused. The zero
// value is the strictest policy: https on ports 80 and 443 to public
// addresses only. A Guard must not be modified while in use.
type Guard struct {
	// Allow lists ranges that are reachable even though they fall in a
	// blocked range, such as 127.0.0.1/32 for tests or 10.1.0.0/16 for
	// an internal document server.
	Allow []netip.Prefix
	// Ports lists the allowed ports; empty means 80 and 443.
	Ports []uint16
	// AllowHTTP permits plain http as well as https.
	AllowHTTP bool
}

// CheckAddr returns nil when ip may be reached, else an error wrapping
// ErrRefused that names the address and the range it falls in.
func (g *Guard) CheckAddr(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrRefused)
	}
	ip = ip.WithZone("")
	if g.allowed(ip) {
		return nil
	}
	if why := blockedReason(ip); why != "" {
		return fmt.Errorf("%w: address %s is %s", ErrRefused, ip, why)
	}
	return nil
}

// allowed reports whether ip, or the IPv4 address it embeds, is in an
// Allow prefix.
func (g *Guard) allowed(ip netip.Addr) bool {
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	if v4, err := embeddedIPv4(ip); err == nil {
		for _, p := range g.Allow {
			if p.Contains(v4) {
				return true
			}
		}
	}
	return false
}

// blockedReason returns why ip is refused, or "" when it is public.
func blockedReason(ip netip.Addr) string {
	if v4, err := embeddedIPv4(ip); err == nil {
		if why := blockedReason(v4); why != "" {
			return why + " (embedded in " + ip.String() + ")"
		}
		if ip.Is4In6() {
			// An IPv4-mapped address is that IPv4 address.
			return ""
		}
	}
	for _, b := range blockedRanges {
		if b.prefix.Contains(ip) {
			return b.why
		}
	}
	return ""
}

// embeddedIPv4 returns the IPv4 address carried by an IPv4-mapped,
// IPv4-compatible (above ::ffff), IPv4-translated, NAT64 or 6to4 IPv6
// address.
func embeddedIPv4(ip netip.Addr) (netip.Addr, error) {
	if !ip.Is6() {
		return netip.Addr{}, errNotAnIPv4Form
	}
	b := ip.As16()
	switch {
	case ip.Is4In6():
		return ip.Unmap(), nil
	case nat64Prefix.Contains(ip), translatedPrefix.Contains(ip), v4CompatPrefix.Contains(ip) && ip.Compare(lastV4Compat) > 0:
		return netip.AddrFrom4([4]byte(b[12:16])), nil
	case sixToFourPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), nil
	}
	return netip.Addr{}, errNotAnIPv4Form
}

// CheckPort returns nil when port is allowed.
func (g *Guard) CheckPort(port uint16) error {
	ports := g.Ports
	if len(ports) == 0 {
		ports = []uint16{80, 443}
	}
	if !slices.Contains(ports, port) {
		return fmt.Errorf("%w: port %d is not allowed (allowed: %s)", ErrRefused, port, joinPorts(ports))
	}
	return nil
}

func joinPorts(ports []uint16) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ", ")
}

// CheckURL checks what can be known before dialling: the scheme, the
// absence of credentials, the port, and the host when it is a literal IP
// address, with or without a trailing dot. Host names are checked when
// dialled.
func (g *Guard) CheckURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
	case "http":
		if !g.AllowHTTP {
			return fmt.Errorf("%w: scheme http is not allowed (use https)", ErrRefused)
		}
	default:
		return fmt.Errorf("%w: scheme %q is not allowed (want https)", ErrRefused, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the url are not allowed", ErrRefused)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: the url has no host", ErrRefused)
	}
	port, err := urlPort(u)
	if err != nil {
		return err
	}
	if err := g.CheckPort(port); err != nil {
		return err
	}
	// A fully qualified form ("127.0.0.1.") names the same address to
	// resolvers that accept it.
	lit := strings.TrimSuffix(host, ".")
	if ip, err := netip.ParseAddr(lit); err == nil {
		return g.CheckAddr(ip)
	}
	if ip, ok := legacyIPv4(lit); ok {
		return g.CheckAddr(ip)
	}
	return nil
}

// urlPort returns the URL's port, or its scheme's default.
func urlPort(u *url.URL) (uint16, error) {
	p := u.Port()
	if p == "" {
		if u.Scheme == "http" {
			return 80, nil
		}
		return 443, nil
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: invalid port %q", ErrRefused, p)
	}
	return uint16(n), nil
}

// legacyIPv4 parses the numeric host forms that inet_aton accepts but
// netip does not ("2130706433", "0x7f.1", "127.1"), which some resolvers
// turn into addresses. They are never resolved by Go's resolver, but are
// refused early to give a clear message.
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, 0, len(parts))
	for _, p := range parts {
		base := 10
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil || strings.ContainsAny(p, "+-_") {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	var v uint64
	last := len(nums) - 1
	for i, n := range nums {
		if i < last {
			if n > 255 {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-last)) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// Control checks the resolved address of every connection before it is
// made. Use it as net.Dialer.Control; it refuses non-TCP networks, blocked
// addresses and ports that are not allowed.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %q is not allowed", ErrRefused, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q: %w", ErrRefused, address, err)
	}
	if err := g.CheckAddr(ap.Addr()); err != nil {
		return err
	}
	return g.CheckPort(ap.Port())
}

// Dialer returns a net.Dialer whose connections are checked by Control.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Control: g.Control}
}
