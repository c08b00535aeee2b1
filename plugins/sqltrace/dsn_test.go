package sqltrace

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct{ typ, dsn, name, endpoint string }{
		{typePostgreSQL, "postgres://u:p@db.local:6543/orders?sslmode=disable", "orders", "db.local:6543"},
		{typePostgreSQL, "postgresql://u:p@h1:5433,h2,[::1]:5434/o%2Fx", "o/x", "h1:5433/h2:5432/[::1]:5434"},
		{typePostgreSQL, "postgres://u:p%40ss@/orders?host=/var/run/postgresql", "orders", "/var/run/postgresql"},
		{typePostgreSQL, "postgres://app@db", "app", "db:5432"},
		{typePostgreSQL, "postgres://u:pa/ss?w@rd@db:1/x", "x", "db:1"},
		{typePostgreSQL, "host=db1,db2 port=5433,5434 dbname='my db' user=u password='p w\\'x'", "my db", "db1:5433/db2:5434"},
		{typePostgreSQL, "user=app password=secret", "app", "localhost:5432"},
		{typeMySQL, "u:p@tcp(db:3307)/shop?parseTime=true", "shop", "db:3307"},
		{typeMySQL, "u:p@/shop", "shop", "127.0.0.1:3306"},
		{typeMySQL, "u:p/@x@unix(/run/mysqld.sock)/shop", "shop", "/run/mysqld.sock"},
		{typeMySQL, "u:p@tcp([::1])/shop", "shop", "[::1]:3306"},
		{typeSQLite, "file:/data/app.db?_pragma=busy_timeout(5000)", "app.db", "/data/app.db:-1"},
		{typeSQLite, "test.db", "test.db", "test.db:-1"},
		{typeSQLite, ":memory:", ":memory:", ":memory::-1"},
		{"", "whatever://u:p@h/d", "", ""},
	} {
		got := parseDSN(c.typ, c.dsn)
		if got.name != c.name || got.endpoint != c.endpoint || got.dbType != c.typ {
			t.Errorf("%s %q: %+v, want name %q endpoint %q", c.typ, c.dsn, got, c.name, c.endpoint)
		}
	}
}

// FuzzParseDSN: no input panics, and a password written into a DSN of
// any of the three forms never appears in what the parser keeps.
func FuzzParseDSN(f *testing.F) {
	f.Add("postgres://u:secret@h:1/d", "secret", "h", "d")
	f.Add("host=h password='se cret' dbname=d", "s3cr3t!@/", "db,x", "name")
	f.Add("u:pw@tcp(h:3306)/d?x=1", "p@ss/w?rd", "[::1]:5", "d/e")
	f.Add("file:x.db", "pw", "", "")
	f.Fuzz(func(t *testing.T, raw, pass, host, db string) {
		for _, typ := range []string{typePostgreSQL, typeMySQL, typeSQLite, ""} {
			parseDSN(typ, raw)
		}
		// What the parser keeps does not depend on the password, so no
		// part of it can be kept.
		q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
		forms := map[string]func(pass string) string{
			typePostgreSQL: func(pass string) string {
				u := url.URL{Scheme: "postgres", User: url.UserPassword("u", pass), Host: host, Path: "/" + db}
				return u.String()
			},
			"kv": func(pass string) string {
				return "host=" + q(host) + " user=u password=" + q(pass) + " dbname=" + q(db)
			},
			typeMySQL: func(pass string) string { return "u:" + pass + "@tcp(" + host + ")/" + url.PathEscape(db) },
		}
		for form, mk := range forms {
			typ := form
			if form == "kv" {
				typ = typePostgreSQL
			}
			got, want := parseDSN(typ, mk(pass)), parseDSN(typ, mk("x"))
			if got != want {
				t.Fatalf("%s: password %q changes the result: %+v, with another %+v", form, pass, got, want)
			}
		}
	})
}
