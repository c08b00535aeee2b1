package rabbittrace_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// urlEnv is the AMQP URL of the RabbitMQ server the tests use
// (tools/services/rabbitmq.svc starts one and sets it).
const urlEnv = "SOFA_TEST_RABBITMQ_URL"

// dial connects to the test server, closed after the test. Without
// SOFA_TEST_RABBITMQ_URL the test is skipped, or fails when
// SOFA_TEST_REQUIRED=1.
func dial(t testing.TB) *amqp.Connection {
	t.Helper()
	url := testenv.Server(t, urlEnv)
	c, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// channel opens a channel on c, closed after the test.
func channel(t testing.TB, c *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

var queueSeq atomic.Int64

// queue declares an auto-deleted queue of a name unique to this run.
func queue(t testing.TB, ch *amqp.Channel, args amqp.Table) string {
	t.Helper()
	name := fmt.Sprintf("sofatracer-test-%d-%d", time.Now().UnixNano(), queueSeq.Add(1))
	if _, err := ch.QueueDeclare(name, false, true, false, false, args); err != nil {
		t.Fatal(err)
	}
	return name
}
