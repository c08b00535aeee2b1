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
		{typePostgreSQL, "postgres://u:pa/ss?w@rd@db:1/x", "", ""}, // port "pa": pgx rejects it
		{typePostgreSQL, "postgres://u:p@ss:w@rd@db:1/x", "x", "db:1"},
		{typePostgreSQL, "postgres://dbhost/orders?user=app&password=S3cret@x", "", ""}, // read two ways: "dbhost/orders?..." may be a user and password
		{typePostgreSQL, "postgres://dbhost?user=app&password=S3cret@x", "", ""},        // read two ways
		{typePostgreSQL, "postgres://dbhost?user=app&password=S3cret", "app", "dbhost:5432"},
		{typePostgreSQL, "postgres://u:1/S3cret@db/x", "", ""}, // "u:1" may be a password's head
		{typePostgreSQL, "postgres://a%2Fb:p@db", "", "db:5432"},
		{typePostgreSQL, "postgres://db:x5/orders", "", ""},
		{typePostgreSQL, "postgres://h1/orders?host=h2&port=7", "orders", "h2:7"},
		{typePostgreSQL, "host=db1,db2 port=5433,5434 dbname='my db' user=u password='p w\\'x'", "my db", "db1:5433/db2:5434"},
		{typePostgreSQL, "user=app password=secret", "app", "localhost:5432"},
		{typePostgreSQL, "host=db password=S3c\\ ret\vdbname=d", "d", "db:5432"},
		{typePostgreSQL, "dbname='d password=S3cret", "", ""}, // unterminated: pgx rejects it
		{typePostgreSQL, "dbname=d password=S3cret\\", "", ""},
		{typePostgreSQL, "user=a=S3cret host=h", "", "h:5432"},
		{typePostgreSQL, "password S3cret dbname=d", "", ""},
		{typeMySQL, "u:p@tcp(db:3307)/shop?parseTime=true", "shop", "db:3307"},
		{typeMySQL, "u:p@/shop", "shop", "127.0.0.1:3306"},
		{typeMySQL, "u:p/@x@unix(/run/mysqld.sock)/shop", "shop", "/run/mysqld.sock"},
		{typeMySQL, "u:p@tcp([::1])/shop", "shop", "[::1]:3306"},
		{typeMySQL, "u:p@ss/w@tcp(db)/shop?x=1", "shop", "db:3306"},
		{typeMySQL, "u@tcp(db)/shop?password=a/S3cret", "", ""}, // the driver rejects it
		{typeMySQL, "u@tcp(db)/shop?password=S3cret@x/y", "", ""},
		{typeMySQL, "u@db/shop", "", ""},
		{typeMySQL, "u@tcp(db)/shop?password=S3cret@/y", "", ""},
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

// FuzzParseDSN: no input panics, and a password written into a DSN, in
// every place a DSN can carry one, never appears in what the parser keeps.
func FuzzParseDSN(f *testing.F) {
	f.Add("postgres://u:secret@h:1/d", "secret", "h", "d")
	f.Add("host=h password='se cret' dbname=d", "s3cr3t!@/", "db,x", "name")
	f.Add("u:pw@tcp(h:3306)/d?x=1", "p@ss/w?rd", "[::1]:5", "d/e")
	f.Add("postgres://dbhost/orders?user=app&password=S3cret@x", "@x", "dbhost", "orders")
	f.Add("dbname='d", "a b'c\\", "h", "d=x")
	f.Add("file:x.db", "pw", "", "")
	f.Fuzz(func(t *testing.T, raw, pass, host, db string) {
		for _, typ := range []string{typePostgreSQL, typeMySQL, typeSQLite, ""} {
			parseDSN(typ, raw)
		}
		q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
		pgURL := func(user *url.Userinfo, query string) string {
			u := url.URL{Scheme: "postgres", User: user, Host: host, Path: "/" + db, RawQuery: query}
			return u.String()
		}
		// Well-formed DSNs, the password escaped as each form wants: what
		// the parser keeps does not depend on the password at all.
		escaped := []struct {
			typ string
			mk  func(pass string) string
		}{
			{typePostgreSQL, func(pass string) string { return pgURL(url.UserPassword("u", pass), "") }},
			{typePostgreSQL, func(pass string) string {
				return pgURL(nil, url.Values{"user": {"u"}, "password": {pass}, "sslmode": {"disable"}}.Encode())
			}},
			{typePostgreSQL, func(pass string) string {
				return "host=" + q(host) + " user=u password=" + q(pass) + " dbname=" + q(db)
			}},
			{typeMySQL, func(pass string) string { return "u:" + pass + "@tcp(" + host + ")/" + url.PathEscape(db) }},
			{typeMySQL, func(pass string) string {
				return "u@tcp(" + host + ")/" + url.PathEscape(db) + "?password=" + url.QueryEscape(pass)
			}},
		}
		for i, form := range escaped {
			got, want := parseDSN(form.typ, form.mk(pass)), parseDSN(form.typ, form.mk("x"))
			if got != want {
				t.Fatalf("form %d %q: password %q changes the result: %+v, with another %+v", i, form.mk(pass), pass, got, want)
			}
		}
		// Passwords written as they are, with only the characters that
		// would end them escaped away: the password, marked at both ends,
		// never shows in a field.
		const mark = "S3cret"
		if strings.Contains(strings.ToLower(host+db), strings.ToLower(mark[:2])) || strings.ContainsAny(host+db, "%\\") {
			return
		}
		pw := mark + pass + mark
		noSpace := !strings.ContainsAny(pass, " \t\n\v\f\r")
		plain := []struct {
			typ, dsn string
			ok       bool // the form can carry this password
		}{
			{typePostgreSQL, "postgres://u:" + pw + "@" + host + "/" + db, true},
			{typePostgreSQL, "postgres://" + host + "/" + db + "?user=u&password=" + pw, !strings.ContainsAny(pass, "&")},
			{typePostgreSQL, "host=" + q(host) + " password=" + pw + " dbname=" + q(db), noSpace},
			{typeMySQL, "u:" + pw + "@tcp(" + host + ")/" + url.PathEscape(db), true},
			// The driver wants parameters escaped; it reads a '/' in one as the
			// database's.
			{typeMySQL, "u@tcp(" + host + ")/" + url.PathEscape(db) + "?password=" + pw, !strings.Contains(pass, "/")},
		}
		for _, form := range plain {
			if !form.ok {
				continue
			}
			got := parseDSN(form.typ, form.dsn)
			if strings.Contains(got.name, mark) || strings.Contains(got.endpoint, mark) {
				t.Fatalf("%q: the password shows: %+v", form.dsn, got)
			}
		}
	})
}
