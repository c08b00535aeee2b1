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

// parsePostgresURL reads postgres://user:pass@h1:p1,h2:p2/db?opts.
func parsePostgresURL(dsn string) (name, endpoint string) {
	rest := dsn[strings.Index(dsn, "://")+3:]
	// Everything before the last '@' is user information, even when a
	// password holds an unescaped '/', '?' or '@': none of it is kept but
	// the user name.
	user := ""
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		user, _, _ = strings.Cut(rest[:i], ":")
		rest = rest[i+1:]
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	authority := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, name = rest[:i], rest[i+1:]
	}
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	var hosts, ports []string
	for _, hp := range strings.Split(authority, ",") {
		h, p := splitHostPort(hp)
		if h, err := url.PathUnescape(h); err == nil {
			hosts, ports = append(hosts, h), append(ports, p)
		}
	}
	if q, err := url.ParseQuery(query); err == nil {
		if v := q.Get("dbname"); v != "" {
			name = v
		}
		if v := q.Get("host"); v != "" && authority == "" {
			hosts, ports = strings.Split(v, ","), strings.Split(q.Get("port"), ",")
		}
	}
	if name == "" {
		name, _ = url.PathUnescape(user)
	}
	if len(hosts) == 0 || (len(hosts) == 1 && hosts[0] == "") {
		hosts = []string{"localhost"}
	}
	return name, joinHosts(hosts, ports, "5432")
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

// parsePostgresKV reads "host=h port=5432 dbname=d user=u password='p'".
func parsePostgresKV(dsn string) (name, endpoint string) {
	kv := map[string]string{}
	s := dsn
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n\r")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			s = s[1:]
			for s != "" && s[0] != '\'' {
				if s[0] == '\\' && len(s) > 1 {
					s = s[1:]
				}
				val.WriteByte(s[0])
				s = s[1:]
			}
			if s != "" {
				s = s[1:]
			}
		} else {
			for s != "" && s[0] != ' ' && s[0] != '\t' && s[0] != '\n' && s[0] != '\r' {
				if s[0] == '\\' && len(s) > 1 {
					s = s[1:]
				}
				val.WriteByte(s[0])
				s = s[1:]
			}
		}
		kv[key] = val.String()
	}
	name = kv["dbname"]
	if name == "" {
		name = kv["user"]
	}
	hosts := strings.Split(kv["host"], ",")
	if kv["host"] == "" {
		hosts = []string{"localhost"}
	}
	return name, joinHosts(hosts, strings.Split(kv["port"], ","), "5432")
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
		head = head[i+1:]
	}
	network, addr := head, ""
	if i := strings.IndexByte(head, '('); i >= 0 && strings.HasSuffix(head, ")") {
		network, addr = head[:i], head[i+1:len(head)-1]
	}
	switch {
	case network == "unix":
		if addr == "" {
			addr = "/tmp/mysql.sock"
		}
		return name, addr
	case network != "" && network != "tcp" && network != "tcp6":
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
