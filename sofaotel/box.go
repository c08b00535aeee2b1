package sofaotel

import (
	"strings"
	"sync"
)

// Boxing a string into a tag value (an interface) allocates. The values
// of low-cardinality attributes repeat (methods, schemes, hosts, protocol
// versions, RPC methods, systems), so short ones are boxed once and kept,
// at most maxBoxed of them.
const (
	maxBoxed    = 1024
	maxBoxedLen = 64
)

var boxed = struct {
	sync.RWMutex
	m map[string]any
}{m: make(map[string]any)}

// box returns s as a tag value, boxed once if it is short.
func box(s string) any {
	if len(s) > maxBoxedLen || s == "" {
		return s
	}
	boxed.RLock()
	v, ok := boxed.m[s]
	full := len(boxed.m) >= maxBoxed
	boxed.RUnlock()
	if ok || full {
		if ok {
			return v
		}
		return s
	}
	s = strings.Clone(s) // never keep a larger string alive
	v = s
	boxed.Lock()
	if len(boxed.m) < maxBoxed {
		boxed.m[s] = v
	}
	boxed.Unlock()
	return v
}

// lowCardinality reports whether an attribute's values repeat across spans
// (semantic conventions whose values name a kind, not a request; callers'
// addresses repeat as well: load balancers, sidecars, other services, and
// the table's bound keeps a flood of them out).
func lowCardinality(k string) bool {
	switch k {
	case "http.request.method", "http.method", "url.scheme", "http.scheme", "http.route",
		"server.address", "net.host.name", "net.peer.name", "network.protocol.name",
		"network.peer.address", "net.sock.peer.addr", "client.address", "http.client_ip",
		"network.protocol.version", "network.transport", "network.type", "user_agent.original",
		"service.peer.name", "peer.service", "error.type",
		"rpc.system", "rpc.system.name", "rpc.service", "rpc.method",
		"rpc.response.status_code", "rpc.status_code",
		"db.system", "db.system.name", "db.namespace", "db.name", "db.operation.name",
		"db.collection.name", "db.query.summary",
		"messaging.system", "messaging.destination.name", "messaging.operation.type",
		"messaging.operation.name", "messaging.consumer.group.name":
		return true
	}
	return false
}
