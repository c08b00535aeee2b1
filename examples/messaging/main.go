// Command messaging shows the kafkatrace and rabbittrace plugins: an HTTP
// handler publishes an order to Kafka (and to RabbitMQ when -amqp is
// given), a consumer processes it, and the HTTP server, send and consume
// spans form one trace. It then closes the tracer and prints the digest
// lines it wrote.
//
//	go run . [-dir DIR] [-brokers host:port,...] [-amqp amqp://guest:guest@127.0.0.1:15673/]
//
// Without -brokers it starts an in-process Kafka (franz-go's kfake) on
// 127.0.0.1, so it runs anywhere. The log directory is -dir, else
// SOFA_TRACER_LOG_DIR or SOFA_TRACER_LOGGING_PATH (as tracer.New reads
// them), else ./logs/tracelog.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/examples/internal/logdir"
	"github.com/sofatracer/sofatracer-go/plugins/kafkatrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/plugins/rabbittrace"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

const topic = "orders"

// run is the program; it returns an error when the trace is broken.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("messaging", flag.ContinueOnError)
	dir := fs.String("dir", "", "log directory (wins over SOFA_TRACER_LOG_DIR and SOFA_TRACER_LOGGING_PATH)")
	brokers := fs.String("brokers", "", "Kafka seed brokers (default: an in-process kfake cluster)")
	amqpURL := fs.String("amqp", "", "RabbitMQ URL; also publish and consume through RabbitMQ")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := []tracer.Option{tracer.WithAppName("messaging-demo")}
	if d := logdir.Dir(*dir); d != "" {
		opts = append(opts, tracer.WithLogDir(d))
	}
	tr, err := tracer.New(opts...)
	if err != nil {
		return err
	}
	defer tr.Close()

	seeds := strings.Split(*brokers, ",")
	if *brokers == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
		if err != nil {
			return err
		}
		defer c.Close()
		seeds = c.ListenAddrs()
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.AllowAutoTopicCreation(),
		kgo.WithHooks(kafkatrace.NewHooks(tr)))
	if err != nil {
		return err
	}
	defer prod.Close()
	var rabbit *rabbitMQ
	if *amqpURL != "" {
		if rabbit, err = dialRabbit(*amqpURL); err != nil {
			return err
		}
		defer rabbit.conn.Close()
	}

	// The HTTP handler publishes the order; r.Context() holds its span.
	mux := http.NewServeMux()
	mux.HandleFunc("/order", func(w http.ResponseWriter, r *http.Request) {
		if err := prod.ProduceSync(r.Context(), &kgo.Record{Topic: topic, Value: []byte("order-1")}).FirstErr(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if rabbit != nil {
			msg := amqp.Publishing{Body: []byte("order-1")}
			if err := rabbittrace.Publish(r.Context(), tr, rabbit.ch, "", rabbit.queue, false, false, msg); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		fmt.Fprintln(w, "accepted")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: nethttp.Middleware(tr, mux)}
	go srv.Serve(ln)
	resp, err := http.Get("http://" + ln.Addr().String() + "/order")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Fprintf(out, "GET /order: %s %s", resp.Status, body)
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}

	// The consumer processes each record in its own consume span.
	handle := func(via string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			fmt.Fprintf(out, "%s consumer: order-1 processed in trace %s\n", via, span.TraceIDFromContext(ctx))
			return nil
		}
	}
	if err := consumeKafka(tr, seeds, handle("kafka")); err != nil {
		return err
	}
	if rabbit != nil {
		if err := rabbit.consume(tr, handle("rabbitmq")); err != nil {
			return err
		}
	}
	if err := tr.Close(); err != nil {
		return err
	}

	layouts := []*digest.Layout{digest.HTTPServer, kafkatrace.SendLayout, kafkatrace.ConsumeLayout}
	if rabbit != nil {
		layouts = append(layouts, rabbittrace.SendLayout, rabbittrace.ConsumeLayout)
	}
	for _, l := range layouts {
		path := tr.Reporter().DigestPath(l, false)
		line, err := lastLine(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%s\n  %s\n", path, line)
	}
	return nil
}

func consumeKafka(tr *tracer.Tracer, seeds []string, fn func(context.Context) error) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("no record consumed: %w", err)
		}
		done := false
		fetches.EachRecord(func(r *kgo.Record) {
			_ = kafkatrace.Process(ctx, tr, r, fn)
			done = true
		})
		if done {
			return nil
		}
	}
}

type rabbitMQ struct {
	conn  *amqp.Connection
	ch    *amqp.Channel
	queue string
}

func dialRabbit(url string) (*rabbitMQ, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	var q amqp.Queue
	if err == nil {
		q, err = ch.QueueDeclare("", false, true, true, false, nil)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &rabbitMQ{conn: conn, ch: ch, queue: q.Name}, nil
}

func (r *rabbitMQ) consume(tr *tracer.Tracer, fn func(context.Context) error) error {
	deliveries, err := r.ch.Consume(r.queue, "", true, true, false, false, nil)
	if err != nil {
		return err
	}
	select {
	case d := <-deliveries:
		return rabbittrace.Process(rabbittrace.ContextWithQueue(context.Background(), r.queue), tr, d, fn)
	case <-time.After(30 * time.Second):
		return errors.New("no RabbitMQ delivery within 30 s")
	}
}

func lastLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	last := ""
	for sc.Scan() {
		last = sc.Text()
	}
	return last, sc.Err()
}
