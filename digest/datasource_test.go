package digest_test

import (
	"slices"
	"testing"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// testDBComponent is registered for DataSourceClient by these tests, as a
// database plugin registers its own component.
const (
	testDBComponent    = "digest-test-db"
	testRedisComponent = "digest-test-redis"
)

func init() {
	digest.Register(digest.DataSourceClient, span.KindClient, testDBComponent)
	digest.Register(digest.Redis, span.KindClient, testRedisComponent)
}

// dataSourceTags are the tags a database plugin sets on a statement's span.
func dataSourceTags(failed bool) []span.Tag {
	tags := []span.Tag{
		{Key: span.TagComponent, Value: testDBComponent},
		{Key: span.TagSpanKind, Value: span.KindClient},
		{Key: span.TagThreadName, Value: "datasource-client"},
		{Key: digest.TagDBInstance, Value: "shop"},
		{Key: digest.TagSQL, Value: "SELECT a%2C b FROM t"},
		{Key: digest.TagEstablishCost, Value: "12ms"},
		{Key: digest.TagExecuteCost, Value: "3ms"},
		{Key: digest.TagDatabaseType, Value: "postgresql"},
		{Key: digest.TagPeerAddress, Value: "db:5432"},
	}
	if failed {
		tags = append(tags, span.Tag{Key: span.TagError, Value: true}, span.Tag{Key: span.TagErrorMessage, Value: "syntax error"})
	}
	return tags
}

// The one DataSource layout has exactly the component fields of Java's
// DataSourceClientDigestJsonEncoder, in its order, and its files' names.
func TestDataSourceClientIsJavas(t *testing.T) {
	l := digest.DataSourceClient
	var names []string
	for _, f := range l.Fields {
		names = append(names, f.Name)
	}
	want := []string{"database.name", "sql", "connection.establish.span", "db.execute.cost", "database.type", "database.endpoint"}
	if !slices.Equal(names, want) {
		t.Errorf("fields %q, want %q", names, want)
	}
	if l.DigestFile() != "datasource-client-digest.log" || l.StatFile() != "datasource-client-stat.log" {
		t.Errorf("files %s, %s", l.DigestFile(), l.StatFile())
	}
	if !slices.Contains(digest.LogFiles(), "datasource-client-digest.log") {
		t.Errorf("LogFiles() = %q lacks the registered DataSource files", digest.LogFiles())
	}
}
