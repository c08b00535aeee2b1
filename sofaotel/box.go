package sofaotel

import "github.com/sofatracer/sofatracer-go/internal/strcache"

// Boxing a string into a tag value (an interface) allocates. The values
// of low-cardinality attributes repeat (methods, schemes, hosts, protocol
// versions, RPC methods, systems), so they are boxed once and kept, as
// many as strcache keeps.
var boxed strcache.Cache[any]

// box returns s as a tag value, boxed once if it is kept.
func box(s string) any { return boxed.Get(s, boxString) }

func boxString(s string) any { return s }

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
