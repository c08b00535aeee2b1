package nethttp

import (
	"net/http"
	"net/url"
	"testing"
)

func TestMethodValue(t *testing.T) {
	for _, m := range []string{"", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "PROPFIND"} {
		want := m
		if m == "" {
			want = http.MethodGet
		}
		if v := methodValue(&http.Request{Method: m}); v != any(want) {
			t.Errorf("methodValue(%q) = %v, want %q", m, v, want)
		}
	}
}

func TestHostTags(t *testing.T) {
	for _, raw := range []string{
		"http://example.com/", "https://example.com/", "http://example.com:8080/",
		"https://example.com:8443/", "http://[::1]:81/", "https://[::1]/", "ws://example.com/",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		h := newHostTags(u.Host)
		p := h.port
		if u.Scheme == "https" {
			p = h.httpsPort
		}
		if h.hostname != any(u.Hostname()) || p != any(port(u)) {
			t.Errorf("%s: hostname %v, port %v; want %q, %d", raw, h.hostname, p, u.Hostname(), port(u))
		}
	}
}
