package sqltrace

import (
	"net"
	"net/url"
	"path"
	"reflect"
	"strings"
)

// Database types, named as SOFATracer names them (the JDBC subprotocol).
const (
	typePostgreSQL = "postgresql"
	typeMySQL      = "mysql"
	typeSQLite     = "sqlite"
)

// dsnInfo is what the tags say about a database. It never holds a
// password: parsers keep only hosts, ports and the database name.
type dsnInfo struct {
	dbType, name, endpoint string
}

// driverType guesses the database type from a registered driver name or,
// failing that, from the driver's package.
func driverType(name string, d any) string {
	switch strings.ToLower(name) {
	case "pgx", "pgx/v5", "pgx/v4", "postgres", "postgresql", "pq":
		return typePostgreSQL
	case "mysql", "mariadb":
		return typeMySQL
	case "sqlite", "sqlite3":
		return typeSQLite
	}
	if d == nil {
		return ""
	}
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch p := t.PkgPath(); {
	case strings.Contains(p, "jackc/pgx"), strings.Contains(p, "lib/pq"):
		return typePostgreSQL
	case strings.Contains(p, "go-sql-driver/mysql"):
		return typeMySQL
	case strings.Contains(p, "sqlite"):
		return typeSQLite
	}
	return ""
}

// parseDSN reads the database name and endpoints of a DSN of a database
// of type dbType. What it cannot read stays empty; it never fails.
func parseDSN(dbType, dsn string) dsnInfo {
	info := dsnInfo{dbType: dbType}
	switch dbType {
	case typePostgreSQL:
		if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
			info.name, info.endpoint = parsePostgresURL(dsn)
		} else {
			info.name, info.endpoint = parsePostgresKV(dsn)
		}
	case typeMySQL:
		info.name, info.endpoint = parseMySQL(dsn)
	case typeSQLite:
		info.name, info.endpoint = parseSQLite(dsn)
	}
	return info
}

// joinHosts pairs hosts with ports (one port for all, or one each) as
// "host:port/host:port"; a missing port is def.
func joinHosts(hosts, ports []string, def string) string {
	var b strings.Builder
	for i, h := range hosts {
		p := def
		switch {
		case len(ports) == len(hosts) && ports[i] != "":
			p = ports[i]
		case len(ports) == 1 && ports[0] != "":
			p = ports[0]
		}
		if h == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		if strings.HasPrefix(h, "/") { // a unix socket directory
			b.WriteString(h)
			continue
		}
		b.WriteString(net.JoinHostPort(h, p))
	}
	return b.String()
}

// parsePostgresURL reads postgres://[user[:pass]@]h1[:p1][,h2[:p2]][/db][?opts]
// as pgx and libpq do: user information ends at an '@' before the first
// '/', query options (dbname, host, port, user; a password may be there
// too) override the rest. A DSN pgx rejects, or that reads two ways,
// yields nothing.
func parsePostgresURL(dsn string) (name, endpoint string) {
	rest := dsn[strings.Index(dsn, "://")+3:]
	user := ""
	head, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		if strings.ContainsRune(rest[:at], '?') {
			return "", "" // user information, or a query holding an '@'?
		}
		user, _, _ = strings.Cut(rest[:at], ":")
		if u, err := url.PathUnescape(user); err == nil {
			user = u
		} else {
			user = ""
		}
		rest = rest[at+1:]
	}
	if host, _, _ := strings.Cut(rest, "/"); host != "" && !strings.HasPrefix(host, "?") && strings.ContainsRune(rest, '@') {
		// An '@' after the host's first '/' or '?': the user information
		// may end there, so what was read as the host may be the head of a
		// password holding a '/' or '?'.
		return "", ""
	}
	authority, query := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, rest = rest[:i], rest[i:]
		if strings.HasPrefix(rest, "/") {
			name, query, _ = strings.Cut(rest[1:], "?")
		} else {
			query = rest[1:]
		}
	}
	if strings.ContainsRune(name, '@') {
		return "", "" // as above: the user information may end at this '@'
	}
	if strings.ContainsRune(name, '/') {
		name = "" // an unescaped '/': more likely a password's tail
	} else if n, err := url.PathUnescape(name); err == nil {
		name = n
	} else {
		name = ""
	}
	var hosts, ports []string
	if authority != "" {
		for _, hp := range strings.Split(authority, ",") {
			h, p := splitHostPort(hp)
			h, err := url.PathUnescape(h)
			if err != nil {
				return "", ""
			}
			hosts, ports = append(hosts, h), append(ports, p)
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		v, err := url.PathUnescape(v)
		if err != nil || v == "" {
			continue
		}
		switch k {
		case "dbname":
			name = v
		case "host":
			hosts = strings.Split(v, ",")
		case "port":
			ports = strings.Split(v, ",")
		case "user":
			user = v
		}
	}
	if !validPorts(ports) {
		return "", "" // pgx rejects it; a port may be a password's head
	}
	if name == "" {
		name = userDB(user)
	}
	if len(hosts) == 0 || (len(hosts) == 1 && hosts[0] == "") {
		hosts = []string{"localhost"}
	}
	return name, joinHosts(hosts, ports, "5432")
}

// validPorts reports whether each port is empty or decimal digits.
func validPorts(ports []string) bool {
	for _, p := range ports {
		for _, c := range []byte(p) {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// userDB is the database a server picks when the DSN names none: the
// user's. A user name holding URL or key=value syntax is a misread DSN
// rather than a name, and is not kept.
func userDB(user string) string {
	if strings.ContainsAny(user, "/?=@&#") {
		return ""
	}
	return user
}

// splitHostPort splits "h:p", "[v6]:p", "h" and "[v6]".
func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i >= 0 {
			host, rest := hp[1:i], hp[i+1:]
			return host, strings.TrimPrefix(rest, ":")
		}
		return hp, ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}

// parsePostgresKV reads "host=h port=5432 dbname=d user=u password='p'"
// as pgx and libpq do. A DSN they reject (a key without '=', an
// unterminated quote, a trailing backslash) yields nothing.
func parsePostgresKV(dsn string) (name, endpoint string) {
	const space = " \t\n\v\f\r"
	kv := map[string]string{}
	s := dsn
	for {
		s = strings.TrimLeft(s, space)
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return "", ""
		}
		key := strings.TrimRight(s[:eq], space)
		if key == "" || strings.ContainsAny(key, space) {
			return "", ""
		}
		s = strings.TrimLeft(s[eq+1:], space)
		var val strings.Builder
		quoted := strings.HasPrefix(s, "'")
		if quoted {
			s = s[1:]
		}
		for {
			if s == "" {
				if quoted {
					return "", "" // unterminated
				}
				break
			}
			c := s[0]
			if quoted && c == '\'' || !quoted && strings.IndexByte(space, c) >= 0 {
				s = s[1:]
				break
			}
			if c == '\\' {
				if len(s) == 1 {
					return "", ""
				}
				s = s[1:]
				c = s[0]
			}
			val.WriteByte(c)
			s = s[1:]
		}
		kv[key] = val.String()
	}
	name = kv["dbname"]
	if name == "" {
		name = userDB(kv["user"])
	}
	ports := strings.Split(kv["port"], ",")
	if !validPorts(ports) {
		return "", ""
	}
	hosts := strings.Split(kv["host"], ",")
	if kv["host"] == "" {
		hosts = []string{"localhost"}
	}
	return name, joinHosts(hosts, ports, "5432")
}

// parseMySQL reads go-sql-driver's [user[:pass]@][net[(addr)]]/db[?opts].
func parseMySQL(dsn string) (name, endpoint string) {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return "", ""
	}
	name = dsn[slash+1:]
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	head := dsn[:slash]
	if i := strings.LastIndexByte(head, '@'); i >= 0 {
		if user, _, _ := strings.Cut(head[:i], ":"); strings.ContainsAny(user, "/?") {
			return "", "" // a parameter holding an unescaped '/' and '@'
		}
		head = head[i+1:]
	}
	network, addr := head, ""
	if i := strings.IndexByte(head, '('); i >= 0 {
		if !strings.HasSuffix(head, ")") {
			return "", "" // the driver rejects it: the last '/' may be in a parameter
		}
		network, addr = head[:i], head[i+1:len(head)-1]
	}
	switch {
	case network == "unix":
		if addr == "" {
			addr = "/tmp/mysql.sock"
		}
		return name, addr
	case network != "" && network != "tcp" && network != "tcp6":
		if addr == "" {
			return "", "" // the driver rejects it: no address to dial
		}
		return name, addr // a registered dialer: its address as written
	case addr == "":
		return name, "127.0.0.1:3306"
	}
	var hosts []string
	for _, a := range strings.Split(addr, ",") {
		h, p := splitHostPort(a)
		if p == "" {
			p = "3306"
		}
		hosts = append(hosts, net.JoinHostPort(h, p))
	}
	return name, strings.Join(hosts, "/")
}

// parseSQLite reads a file name or file: URI. As SOFATracer does for the
// embedded H2, the endpoint is the location followed by ":-1".
func parseSQLite(dsn string) (name, endpoint string) {
	p, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if p == "" || p == ":memory:" || strings.HasPrefix(dsn, "file::memory:") {
		return ":memory:", ":memory::-1"
	}
	return path.Base(p), p + ":-1"
}
