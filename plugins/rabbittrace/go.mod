module github.com/sofatracer/sofatracer-go/plugins/rabbittrace

go 1.26.0

replace github.com/sofatracer/sofatracer-go => ../..

require (
	github.com/opentracing/opentracing-go v1.2.0
	github.com/rabbitmq/amqp091-go v1.16.0
	github.com/sofatracer/sofatracer-go v0.0.0
	go.uber.org/goleak v1.3.0
)

require github.com/openzipkin/zipkin-go v0.4.3 // indirect
