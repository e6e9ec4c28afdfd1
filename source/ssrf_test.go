package source_test

import (
	"errors"
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/source"
)

func TestGuardCheckAddr(t *testing.T) {
	tests := []struct {
		addr string
		why  string // "" means allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"10.0.0.1", "RFC 1918"},
		{"172.16.5.4", "RFC 1918"},
		{"172.31.255.255", "RFC 1918"},
		{"192.168.1.1", "RFC 1918"},
		{"169.254.169.254", "metadata"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.254", "CGNAT"},
		{"0.0.0.0", "0.0.0.0/8"},
		{"0.1.2.3", "0.0.0.0/8"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"fc00::1", "unique local"},
		{"fd12:3456::1", "unique local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"ff02::1", "multicast"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "metadata"},
		{"::ffff:10.0.0.1", "RFC 1918"},
		{"::ffff:100.64.0.1", "CGNAT"},
		{"::ffff:0.0.0.0", "0.0.0.0/8"},
		{"::127.0.0.1", "loopback"},
		{"64:ff9b::a9fe:a9fe", "metadata"},
		{"2002:7f00:1::", "loopback"},
		{"2002:c0a8:101::1", "RFC 1918"},
		{"::ffff:0:7f00:1", "loopback"},    // IPv4-translated 127.0.0.1
		{"::ffff:0:a9fe:a9fe", "metadata"}, // IPv4-translated 169.254.169.254
		{"64:ff9b:1::7f00:1", "local-use"}, // RFC 8215
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		{"2001:2::1", "IETF protocol assignments"},
		{"192.0.2.1", "TEST-NET-1"},
		{"198.51.100.7", "TEST-NET-2"},
		{"203.0.113.9", "TEST-NET-3"},
		{"192.88.99.1", "6to4 relay"},
		{"3fff::1", "documentation"},
		{"5f00::1", "segment routing"},
		{"8.8.8.8", ""},
		{"::ffff:0:808:808", ""}, // IPv4-translated 8.8.8.8
		{"2001:4860:4860::8888", ""},
		{"93.184.216.34", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"::ffff:8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"2002:808:808::1", ""},
	}
	var g source.Guard
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := g.CheckAddr(netip.MustParseAddr(tt.addr))
			if tt.why == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, source.ErrRefused)
			assert.Contains(t, err.Error(), tt.why)
			assert.Contains(t, err.Error(), netip.MustParseAddr(tt.addr).WithZone("").String())
		})
	}
}

func TestGuardAllowList(t *testing.T) {
	g := source.Guard{Allow: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.1.0.0/16"),
	}}
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"127.0.0.2", false},
		{"::1", false},
		{"10.1.2.3", true},
		{"10.2.0.1", false},
		{"169.254.169.254", false},
	}
	for _, tt := range tests {
		err := g.CheckAddr(netip.MustParseAddr(tt.addr))
		assert.Equal(t, tt.allowed, err == nil, "%s: %v", tt.addr, err)
	}
}

func TestGuardCheckURL(t *testing.T) {
	tests := []struct {
		name  string
		guard source.Guard
		url   string
		want  string // substring of the refusal; "" means allowed
	}{
		{"https public host", source.Guard{}, "https://example.com/doc.md", ""},
		{"https port 443", source.Guard{}, "https://example.com:443/doc.md", ""},
		{"https port 80", source.Guard{}, "https://example.com:80/doc.md", ""},
		{"http refused by default", source.Guard{}, "http://example.com/doc.md", "scheme http"},
		{"http allowed", source.Guard{AllowHTTP: true}, "http://example.com/doc.md", ""},
		{"ftp", source.Guard{AllowHTTP: true}, "ftp://example.com/doc.md", "scheme"},
		{"file", source.Guard{AllowHTTP: true}, "file:///etc/passwd", "scheme"},
		{"gopher", source.Guard{}, "gopher://example.com:70/", "scheme"},
		{"userinfo", source.Guard{}, "https://user:secret@example.com/", "credentials"},
		{"user only", source.Guard{}, "https://user@example.com/", "credentials"},
		{"port 8080", source.Guard{}, "https://example.com:8080/", "port 8080"},
		{"port 22", source.Guard{}, "https://example.com:22/", "port 22"},
		{"custom port", source.Guard{Ports: []uint16{8443}}, "https://example.com:8443/", ""},
		{"custom port excludes 443", source.Guard{Ports: []uint16{8443}}, "https://example.com/", "port 443"},
		{"port zero", source.Guard{}, "https://example.com:0/", "invalid port"},
		{"literal loopback", source.Guard{}, "https://127.0.0.1/", "loopback"},
		{"literal ipv6 loopback", source.Guard{}, "https://[::1]/", "loopback"},
		{"literal metadata", source.Guard{AllowHTTP: true}, "http://169.254.169.254/latest/meta-data/", "169.254.169.254"},
		{"literal mapped", source.Guard{}, "https://[::ffff:10.0.0.1]/", "RFC 1918"},
		{"decimal ip", source.Guard{}, "https://2130706433/", "loopback"},
		{"hex ip", source.Guard{}, "https://0x7f.1/", "loopback"},
		{"ip with a trailing dot", source.Guard{}, "https://127.0.0.1./", "loopback"},
		{"legacy ip with a trailing dot", source.Guard{}, "https://0x7f.1./", "loopback"},
		{"short ip", source.Guard{}, "https://127.1/", "loopback"},
		{"octal ip", source.Guard{}, "https://0251.0376.0251.0376/", "169.254.169.254"},
		{"no host", source.Guard{}, "https:///path", "no host"},
		{"name is checked at dial time", source.Guard{}, "https://localhost/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			err = tt.guard.CheckURL(u)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, source.ErrRefused))
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestGuardControl(t *testing.T) {
	g := source.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Ports: []uint16{8080}}
	tests := []struct {
		network, address string
		ok               bool
	}{
		{"tcp", "127.0.0.1:8080", true},
		{"tcp4", "127.0.0.1:8080", true},
		{"tcp", "127.0.0.1:80", false},
		{"tcp6", "[::1]:8080", false},
		{"tcp", "169.254.169.254:8080", false},
		{"udp", "127.0.0.1:8080", false},
		{"tcp", "not an address", false},
		{"tcp", "93.184.216.34:8080", true},
	}
	for _, tt := range tests {
		err := g.Control(tt.network, tt.address, nil)
		assert.Equal(t, tt.ok, err == nil, "%s %s: %v", tt.network, tt.address, err)
		if err != nil {
			assert.ErrorIs(t, err, source.ErrRefused)
		}
	}
}
