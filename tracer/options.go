package tracer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
)

// An Option configures a Tracer. Every option has an environment variable
// (read by New before the options are applied, so options win) and, where
// one exists, the SOFATracer property key it stands for; the table is in
// docs/configuration.md.
type Option func(*config) error

type config struct {
	app           string
	logDir        string
	json          bool
	newline       string
	statInterval  time.Duration
	sampler       Sampler
	rolling       logfile.Policy
	maxFileSizeMB int
	retentionDays int
	queueSize     int
	discard       reporter.DiscardPolicy
	maxStatKeys   int
	maxCarrier    int
	limits        span.Limits
	now           func() time.Time // WithClock; nil is the system clock
	reporters     []reporter.Reporter
	zone          string
}

func defaultConfig() *config {
	s, _ := PercentageSampler(100)
	return &config{
		json:          true,
		newline:       "\r\n",
		statInterval:  60 * time.Second,
		sampler:       s,
		retentionDays: 7,
		queueSize:     8192,
		maxStatKeys:   5000,
		maxCarrier:    64 << 10,
		limits: span.Limits{
			MaxBaggageSize: span.DefaultMaxBaggageSize,
			MaxTags:        64,
			MaxTagValueLen: 16 << 10,
			MaxLogs:        128,
		},
		zone: "null",
	}
}

// DefaultLogDir is where logs go without WithLogDir:
// $SOFA_TRACER_LOGGING_PATH/tracelog, else ~/logs/tracelog.
func DefaultLogDir() string {
	if root := os.Getenv("SOFA_TRACER_LOGGING_PATH"); root != "" {
		return filepath.Join(root, "tracelog")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, "logs", "tracelog")
}

// WithAppName sets local.app, the application name written on every line.
// Required. Env SOFA_TRACER_APP_NAME; SOFATracer spring.application.name.
func WithAppName(name string) Option {
	return func(c *config) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("app name is empty")
		}
		c.app = name
		return nil
	}
}

// WithLogDir sets the directory the log files are written to (load-test
// logs go to its shadow/ subfolder). Env SOFA_TRACER_LOG_DIR; the root
// SOFA_TRACER_LOGGING_PATH (SOFATracer logging.path) gives <root>/tracelog.
func WithLogDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("log dir is empty")
		}
		c.logDir = dir
		return nil
	}
}

// WithJSON chooses JSON lines (true, the default) or SOFATracer's
// comma-separated form. Env SOFA_TRACER_JSON_OUTPUT;
// com.alipay.sofa.tracer.jsonOutput.
func WithJSON(on bool) Option { return func(c *config) error { c.json = on; return nil } }

// WithNewline sets the line ending: "\r\n" or "crlf" (default, as Java),
// "\n" or "lf" (names in any case). Env SOFA_TRACER_NEWLINE, the same
// values.
func WithNewline(nl string) Option {
	return func(c *config) error {
		switch strings.ToLower(strings.TrimSpace(nl)) {
		case "crlf":
			nl = "\r\n"
		case "lf":
			nl = "\n"
		}
		if nl != "\r\n" && nl != "\n" {
			return fmt.Errorf("newline %q must be crlf (\"\\r\\n\") or lf (\"\\n\")", nl)
		}
		c.newline = nl
		return nil
	}
}

// WithStatInterval sets how often stat lines are printed (default 60s).
// Env SOFA_TRACER_STAT_LOG_INTERVAL (seconds);
// com.alipay.sofa.tracer.statLogInterval.
func WithStatInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("stat interval %v must be positive", d)
		}
		c.statInterval = d
		return nil
	}
}

// WithSampler sets the root sampler (default: 100 percent). Env
// SOFA_TRACER_SAMPLER_PERCENTAGE (com.alipay.sofa.tracer.samplerPercentage)
// or SOFA_TRACER_SAMPLER_RATE (traces per second); setting both is an
// error.
func WithSampler(s Sampler) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("sampler is nil")
		}
		c.sampler = s
		return nil
	}
}

// Rolling policies for WithRolling.
const (
	RollDaily  = logfile.Daily
	RollHourly = logfile.Hourly
	RollSize   = logfile.Size
)

// WithRolling sets how log files roll: RollDaily (default, x.log.2006-01-02),
// RollHourly (x.log.2006-01-02_15) or RollSize (maxSizeMB per file).
// logfile.ParsePolicy turns a name ("daily", "hourly", "size") or a
// SOFATracer pattern (".yyyy-MM-dd", ".yyyy-MM-dd_HH") into a policy. Env
// SOFA_TRACER_ROLLING_POLICY (the values ParsePolicy accepts) and
// SOFA_TRACER_MAX_FILE_SIZE_MB;
// com.alipay.sofa.tracer.tracerGlobalRollingPolicy.
func WithRolling(p logfile.Policy, maxSizeMB int) Option {
	return func(c *config) error {
		if p != logfile.Daily && p != logfile.Hourly && p != logfile.Size {
			return fmt.Errorf("unknown rolling policy %d", p)
		}
		if maxSizeMB < 0 {
			return fmt.Errorf("max file size %d MB is negative", maxSizeMB)
		}
		c.rolling, c.maxFileSizeMB = p, maxSizeMB
		return nil
	}
}

// WithRetentionDays sets how many days rolled files are kept (default 7;
// negative keeps them forever). Env SOFA_TRACER_LOG_RESERVE_DAY;
// com.alipay.sofa.tracer.tracerGlobalLogReserveDay.
func WithRetentionDays(days int) Option {
	return func(c *config) error {
		if days == 0 {
			return errors.New("retention of 0 days would delete every rolled file; use a negative value to keep them forever")
		}
		c.retentionDays = days
		return nil
	}
}

// MaxQueueSize is the largest queue WithQueueSize accepts: 16 Mi spans.
const MaxQueueSize = 1 << 24

// WithQueueSize sets how many finished spans may wait for the writer
// (default 8192, rounded up to a power of two, at most MaxQueueSize). Env
// SOFA_TRACER_QUEUE_SIZE.
func WithQueueSize(n int) Option {
	return func(c *config) error {
		if n <= 0 || n > MaxQueueSize {
			return fmt.Errorf("queue size %d is outside 1..%d", n, MaxQueueSize)
		}
		c.queueSize = n
		return nil
	}
}

// WithDiscardPolicy says which span a full queue drops: the new one
// (reporter.DropNewest, default) or the oldest queued. Either way the
// application never waits. Env SOFA_TRACER_DISCARD_POLICY ("newest" or
// "oldest").
func WithDiscardPolicy(p reporter.DiscardPolicy) Option {
	return func(c *config) error {
		if p != reporter.DropNewest && p != reporter.DropOldest {
			return fmt.Errorf("unknown discard policy %d", p)
		}
		c.discard = p
		return nil
	}
}

// WithBaggageMaxLength limits the serialized size of each baggage map
// (default 1024 bytes); an item that would exceed it is refused and
// counted. Env SOFA_TRACER_BAGGAGE_MAX_LENGTH;
// com.alipay.sofa.tracer.baggageMaxLength.
func WithBaggageMaxLength(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("baggage max length %d must be positive", n)
		}
		c.limits.MaxBaggageSize = n
		return nil
	}
}

// WithMaxStatKeys caps the distinct stat keys per log and interval
// (default 5000); spans beyond go to one overflow row, counted. Env
// SOFA_TRACER_STAT_MAX_KEYS.
func WithMaxStatKeys(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("max stat keys %d must be positive", n)
		}
		c.maxStatKeys = n
		return nil
	}
}

// WithMaxCarrierSize limits the bytes of one incoming context value (a
// header, sftc_head, a binary carrier) that Extract reads (default 64
// KiB); a larger id or context is rejected as corrupted, a larger baggage
// item refused, both counted. Env SOFA_TRACER_MAX_CARRIER_SIZE.
func WithMaxCarrierSize(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("max carrier size %d must be positive", n)
		}
		c.maxCarrier = n
		return nil
	}
}

// WithSpanLimits sets the per-span limits on tags (default 64), string tag
// length (default 16 KiB) and log records (default 128). Env
// SOFA_TRACER_MAX_TAGS, SOFA_TRACER_MAX_TAG_VALUE_LENGTH,
// SOFA_TRACER_MAX_LOGS.
func WithSpanLimits(maxTags, maxTagValueLen, maxLogs int) Option {
	return func(c *config) error {
		if maxTags <= 0 || maxTagValueLen <= 0 || maxLogs <= 0 {
			return errors.New("span limits must be positive")
		}
		c.limits.MaxTags, c.limits.MaxTagValueLen, c.limits.MaxLogs = maxTags, maxTagValueLen, maxLogs
		return nil
	}
}

// WithReporter adds a reporter that receives every finished span besides
// the log files (for example a Zipkin reporter). The tracer closes it.
func WithReporter(r reporter.Reporter) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("reporter is nil")
		}
		c.reporters = append(c.reporters, r)
		return nil
	}
}

// WithClock replaces time.Now for span timestamps, rolling and stat
// printing; tests use it to drive time.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("clock is nil")
		}
		c.now = now
		return nil
	}
}

// WithZone sets the zone written to static-info.log. Env SOFA_TRACER_ZONE;
// com.alipay.ldc.zone.
func WithZone(zone string) Option { return func(c *config) error { c.zone = zone; return nil } }

// envOptions turns the environment into options.
func envOptions() ([]Option, error) {
	var opts []Option
	var errs []error
	get := func(k string) (string, bool) {
		v, ok := os.LookupEnv(k)
		return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
	}
	atoi := func(k, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not an integer", k, v))
		}
		return n
	}
	if v, ok := get("SOFA_TRACER_APP_NAME"); ok {
		opts = append(opts, WithAppName(v))
	}
	if v, ok := get("SOFA_TRACER_LOG_DIR"); ok {
		opts = append(opts, WithLogDir(v))
	}
	if v, ok := get("SOFA_TRACER_JSON_OUTPUT"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SOFA_TRACER_JSON_OUTPUT=%q is not a boolean", v))
		}
		opts = append(opts, WithJSON(b))
	}
	if v := os.Getenv("SOFA_TRACER_NEWLINE"); v != "" { // not trimmed: "\n" is a value
		if err := WithNewline(v)(defaultConfig()); err != nil {
			errs = append(errs, fmt.Errorf("SOFA_TRACER_NEWLINE=%q must be crlf or lf", v))
		} else {
			opts = append(opts, WithNewline(v))
		}
	}
	if v, ok := get("SOFA_TRACER_STAT_LOG_INTERVAL"); ok {
		opts = append(opts, WithStatInterval(time.Duration(atoi("SOFA_TRACER_STAT_LOG_INTERVAL", v))*time.Second))
	}
	_, percentage := get("SOFA_TRACER_SAMPLER_PERCENTAGE")
	if _, rate := get("SOFA_TRACER_SAMPLER_RATE"); percentage && rate {
		errs = append(errs, errors.New("SOFA_TRACER_SAMPLER_PERCENTAGE and SOFA_TRACER_SAMPLER_RATE are both set: unset SOFA_TRACER_SAMPLER_RATE to sample a percentage of traces, or unset SOFA_TRACER_SAMPLER_PERCENTAGE to limit traces per second"))
	}
	if v, ok := get("SOFA_TRACER_SAMPLER_PERCENTAGE"); ok {
		f, err := strconv.ParseFloat(v, 64)
		s, serr := PercentageSampler(f)
		if err != nil || serr != nil {
			errs = append(errs, fmt.Errorf("SOFA_TRACER_SAMPLER_PERCENTAGE=%q must be a number from 0 to 100", v))
		} else {
			opts = append(opts, WithSampler(s))
		}
	}
	if v, ok := get("SOFA_TRACER_SAMPLER_RATE"); ok {
		f, err := strconv.ParseFloat(v, 64)
		s, serr := RateLimitingSampler(f)
		if err != nil || serr != nil {
			errs = append(errs, fmt.Errorf("SOFA_TRACER_SAMPLER_RATE=%q must be a number >= 0", v))
		} else {
			opts = append(opts, WithSampler(s))
		}
	}
	size := 0
	if v, ok := get("SOFA_TRACER_MAX_FILE_SIZE_MB"); ok {
		size = atoi("SOFA_TRACER_MAX_FILE_SIZE_MB", v)
	}
	if v, ok := get("SOFA_TRACER_ROLLING_POLICY"); ok {
		if p, err := logfile.ParsePolicy(v); err != nil {
			errs = append(errs, fmt.Errorf("SOFA_TRACER_ROLLING_POLICY=%q must be daily (.yyyy-MM-dd), hourly (.yyyy-MM-dd_HH) or size", v))
		} else {
			opts = append(opts, WithRolling(p, size))
		}
	} else if size > 0 {
		opts = append(opts, WithRolling(logfile.Size, size))
	}
	if v, ok := get("SOFA_TRACER_LOG_RESERVE_DAY"); ok {
		opts = append(opts, WithRetentionDays(atoi("SOFA_TRACER_LOG_RESERVE_DAY", strings.TrimSuffix(strings.ToUpper(v), "D"))))
	}
	if v, ok := get("SOFA_TRACER_QUEUE_SIZE"); ok {
		opts = append(opts, WithQueueSize(atoi("SOFA_TRACER_QUEUE_SIZE", v)))
	}
	if v, ok := get("SOFA_TRACER_DISCARD_POLICY"); ok {
		switch strings.ToLower(v) {
		case "newest":
			opts = append(opts, WithDiscardPolicy(reporter.DropNewest))
		case "oldest":
			opts = append(opts, WithDiscardPolicy(reporter.DropOldest))
		default:
			errs = append(errs, fmt.Errorf("SOFA_TRACER_DISCARD_POLICY=%q must be newest or oldest", v))
		}
	}
	if v, ok := get("SOFA_TRACER_BAGGAGE_MAX_LENGTH"); ok {
		opts = append(opts, WithBaggageMaxLength(atoi("SOFA_TRACER_BAGGAGE_MAX_LENGTH", v)))
	}
	if v, ok := get("SOFA_TRACER_MAX_CARRIER_SIZE"); ok {
		opts = append(opts, WithMaxCarrierSize(atoi("SOFA_TRACER_MAX_CARRIER_SIZE", v)))
	}
	if v, ok := get("SOFA_TRACER_STAT_MAX_KEYS"); ok {
		opts = append(opts, WithMaxStatKeys(atoi("SOFA_TRACER_STAT_MAX_KEYS", v)))
	}
	lim := defaultConfig().limits
	limSet := false
	for k, p := range map[string]*int{"SOFA_TRACER_MAX_TAGS": &lim.MaxTags, "SOFA_TRACER_MAX_TAG_VALUE_LENGTH": &lim.MaxTagValueLen, "SOFA_TRACER_MAX_LOGS": &lim.MaxLogs} {
		if v, ok := get(k); ok {
			*p, limSet = atoi(k, v), true
		}
	}
	if limSet {
		opts = append(opts, WithSpanLimits(lim.MaxTags, lim.MaxTagValueLen, lim.MaxLogs))
	}
	if v, ok := get("SOFA_TRACER_ZONE"); ok {
		opts = append(opts, WithZone(v))
	}
	opts, errs = zipkinEnvOptions(opts, errs, get)
	return opts, errors.Join(errs...)
}
