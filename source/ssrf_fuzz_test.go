package source_test

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/halcytone/halcytone/source"
)

// stdlibBlocked is an oracle independent of the guard's table: the
// addresses net/netip itself calls loopback, private, link-local,
// multicast or unspecified, looking through IPv4-mapped, NAT64 and 6to4
// forms to the IPv4 address they carry.
func stdlibBlocked(ip netip.Addr) bool {
	bad := func(a netip.Addr) bool {
		return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified()
	}
	ip = ip.WithZone("")
	if bad(ip) || bad(ip.Unmap()) {
		return true
	}
	if ip.Is6() {
		b := ip.As16()
		if netip.MustParsePrefix("64:ff9b::/96").Contains(ip) && bad(netip.AddrFrom4([4]byte(b[12:16]))) {
			return true
		}
		if netip.MustParsePrefix("2002::/16").Contains(ip) && bad(netip.AddrFrom4([4]byte(b[2:6]))) {
			return true
		}
	}
	return false
}

// FuzzGuardAddr: every address net/netip calls internal, in any IPv6
// wrapping, is refused with ErrRefused, by CheckAddr and by the dialer's
// Control, unless an Allow prefix covers it.
func FuzzGuardAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "64:ff9b::a00:1",
		"2002:c0a8:101::1", "fe80::1%eth0", "93.184.215.14", "2606:4700::1", "0.0.0.0", "ff02::1", "fd00::1", "::ffff:10.0.0.1"} {
		a := netip.MustParseAddr(s).WithZone("").As16()
		f.Add(a[:], netip.MustParseAddr(s).Is4())
	}
	g := &source.Guard{}
	f.Fuzz(func(t *testing.T, raw []byte, v4 bool) {
		var ip netip.Addr
		switch {
		case v4 && len(raw) >= 4:
			ip = netip.AddrFrom4([4]byte(raw[:4]))
		case len(raw) >= 16:
			ip = netip.AddrFrom16([16]byte(raw[:16]))
		default:
			return
		}
		err := g.CheckAddr(ip)
		if stdlibBlocked(ip) && !errors.Is(err, source.ErrRefused) {
			t.Fatalf("%s is internal, yet the guard lets it through (%v)", ip, err)
		}
		cerr := g.Control("tcp", netip.AddrPortFrom(ip, 443).String(), nil)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("%s: CheckAddr says %v, Control %v", ip, err, cerr)
		}
		allow := &source.Guard{Allow: []netip.Prefix{netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())}}
		if err := allow.CheckAddr(ip.Unmap()); err != nil {
			t.Fatalf("%s: refused though allowed: %v", ip, err)
		}
	})
}

// FuzzGuardURL: a URL the guard lets through names its host by a name
// (checked again at dial time) or by an address net/netip does not call
// internal; and never with credentials, another scheme or port 0.
func FuzzGuardURL(f *testing.F) {
	for _, s := range []string{"https://example.com/doc.md", "https://127.0.0.1/", "https://2130706433/", "https://0x7f.1/",
		"https://[::ffff:127.0.0.1]:443/", "http://example.com/", "https://u:p@example.com/", "https://example.com:0/",
		"https://127.0.0.1./", "https://[fe80::1%25eth0]/", "https://0177.0.0.1/", "https://10.0.0.1:8443/", "https://%31%32%37.0.0.1/"} {
		f.Add(s)
	}
	g := &source.Guard{}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if err := g.CheckURL(u); err != nil {
			if !errors.Is(err, source.ErrRefused) {
				t.Fatalf("%q: a refusal without ErrRefused: %v", raw, err)
			}
			return
		}
		if u.Scheme != "https" || u.User != nil || u.Port() == "0" {
			t.Fatalf("%q let through", raw)
		}
		if ip, err := netip.ParseAddr(strings.TrimSuffix(u.Hostname(), ".")); err == nil && stdlibBlocked(ip) {
			t.Fatalf("%q: internal address %s let through", raw, ip)
		}
	})
}
