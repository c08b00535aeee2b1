package tracer

import (
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/reporter/logfile"
)

// configFrom applies the environment, then opts, as New does.
func configFrom(t *testing.T, opts ...Option) (*config, error) {
	t.Helper()
	cfg := defaultConfig()
	env, err := envOptions()
	if err != nil {
		return nil, err
	}
	for _, o := range append(env, opts...) {
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// The option and SOFA_TRACER_NEWLINE accept the same values and agree.
func TestNewlineOptionAndEnvironmentAgree(t *testing.T) {
	for _, c := range []struct {
		value, want string // want "" means rejected
	}{
		{"\r\n", "\r\n"}, {"\n", "\n"}, {"crlf", "\r\n"}, {"lf", "\n"}, {"CRLF", "\r\n"}, {"LF", "\n"}, {" lf ", "\n"},
		{"cr", ""}, {"\r", ""}, {"unix", ""}, {"\\n", ""},
	} {
		byOption, errOption := configFrom(t, WithNewline(c.value))
		t.Setenv("SOFA_TRACER_NEWLINE", c.value)
		byEnv, errEnv := configFrom(t)
		t.Setenv("SOFA_TRACER_NEWLINE", "")
		if c.want == "" {
			if errOption == nil || errEnv == nil || !strings.Contains(errEnv.Error(), "SOFA_TRACER_NEWLINE") {
				t.Errorf("%q: option error %v, env error %v; want both", c.value, errOption, errEnv)
			}
			continue
		}
		if errOption != nil || errEnv != nil {
			t.Errorf("%q: option error %v, env error %v", c.value, errOption, errEnv)
			continue
		}
		if byOption.newline != c.want || byEnv.newline != c.want {
			t.Errorf("%q: option gives %q, env %q, want %q", c.value, byOption.newline, byEnv.newline, c.want)
		}
	}
}

// logfile.ParsePolicy (for WithRolling) and SOFA_TRACER_ROLLING_POLICY
// accept the same values: the names and Java's patterns.
func TestRollingOptionAndEnvironmentAgree(t *testing.T) {
	for _, c := range []struct {
		value string
		want  logfile.Policy
		ok    bool
	}{
		{"daily", logfile.Daily, true}, {"hourly", logfile.Hourly, true}, {"size", logfile.Size, true},
		{"Daily", logfile.Daily, true}, {"HOURLY", logfile.Hourly, true},
		{".yyyy-MM-dd", logfile.Daily, true}, {"'.'yyyy-MM-dd", logfile.Daily, true},
		{".yyyy-MM-dd_HH", logfile.Hourly, true}, {"'.'yyyy-MM-dd_HH", logfile.Hourly, true},
		{"weekly", 0, false}, {".yyyy-MM", 0, false}, {"yyyy-MM-dd_HH-mm", 0, false},
	} {
		p, errParse := logfile.ParsePolicy(c.value)
		t.Setenv("SOFA_TRACER_ROLLING_POLICY", c.value)
		byEnv, errEnv := configFrom(t)
		t.Setenv("SOFA_TRACER_ROLLING_POLICY", "")
		if !c.ok {
			if errParse == nil || errEnv == nil || !strings.Contains(errEnv.Error(), "SOFA_TRACER_ROLLING_POLICY") {
				t.Errorf("%q: parse error %v, env error %v; want both", c.value, errParse, errEnv)
			}
			continue
		}
		if errParse != nil || errEnv != nil {
			t.Errorf("%q: parse error %v, env error %v", c.value, errParse, errEnv)
			continue
		}
		byOption, err := configFrom(t, WithRolling(p, 0))
		if err != nil || byOption.rolling != c.want || byEnv.rolling != c.want {
			t.Errorf("%q: option gives %v (%v), env %v, want %v", c.value, byOption.rolling, err, byEnv.rolling, c.want)
		}
		if back, err := logfile.ParsePolicy(p.String()); err != nil || back != p {
			t.Errorf("%v does not parse back: %v %v", p, back, err)
		}
	}
}

// Both sampler variables set is an error that says which to drop.
func TestContradictorySamplerVariablesAreAnError(t *testing.T) {
	t.Setenv("SOFA_TRACER_SAMPLER_PERCENTAGE", "10")
	t.Setenv("SOFA_TRACER_SAMPLER_RATE", "100")
	_, err := configFrom(t)
	if err == nil || !strings.Contains(err.Error(), "unset SOFA_TRACER_SAMPLER_RATE") || !strings.Contains(err.Error(), "unset SOFA_TRACER_SAMPLER_PERCENTAGE") {
		t.Fatalf("got %v", err)
	}
	for _, k := range []string{"SOFA_TRACER_SAMPLER_PERCENTAGE", "SOFA_TRACER_SAMPLER_RATE"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, "")
			if _, err := configFrom(t); err != nil {
				t.Fatalf("with %s unset: %v", k, err)
			}
		})
	}
}
