module github.com/sofatracer/sofatracer-go/examples/messaging

go 1.26.0

replace (
	github.com/sofatracer/sofatracer-go => ../..
	github.com/sofatracer/sofatracer-go/plugins/kafkatrace => ../../plugins/kafkatrace
	github.com/sofatracer/sofatracer-go/plugins/rabbittrace => ../../plugins/rabbittrace
)

require (
	github.com/rabbitmq/amqp091-go v1.16.0
	github.com/sofatracer/sofatracer-go v0.0.0
	github.com/sofatracer/sofatracer-go/plugins/kafkatrace v0.0.0-00010101000000-000000000000
	github.com/sofatracer/sofatracer-go/plugins/rabbittrace v0.0.0-00010101000000-000000000000
	github.com/twmb/franz-go v1.22.3
	github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/opentracing/opentracing-go v1.2.0 // indirect
	github.com/openzipkin/zipkin-go v0.4.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/twmb/franz-go/pkg/kmsg v1.15.1 // indirect
)
