package logline

import (
	"bytes"
	"strconv"
)

// KV is one field of a stat key.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Stat is one stat line: one key's calls during one interval.
type Stat struct {
	TimeMs   int64
	Key      []KV
	Count    int64
	TotalMs  int64
	Success  bool
	LoadTest bool
}

// Stat parses a stat line, JSON or plain. Its strings are copies.
func (p *Parser) Stat(line []byte, st *Stat) error {
	*st = Stat{}
	p.buf = p.buf[:0]
	line = trimEOL(line)
	if len(line) > 0 && line[0] == '{' {
		return p.statJSON(line, st)
	}
	parts := bytes.Split(line, []byte{','})
	if len(parts) < 5 {
		return ErrSyntax
	}
	ms, ok := p.tc.parse(parts[0], p.Loc)
	if !ok {
		return ErrNoTime
	}
	st.TimeMs = ms
	n := len(parts)
	// time, key..., count, total, Y|N, T|F (the last may be empty)
	st.LoadTest = string(parts[n-1]) == "T"
	st.Success = isYes(parts[n-2])
	var err1, err2 error
	st.TotalMs, err1 = strconv.ParseInt(string(parts[n-3]), 10, 64)
	st.Count, err2 = strconv.ParseInt(string(parts[n-4]), 10, 64)
	if err1 != nil || err2 != nil {
		return ErrSyntax
	}
	for i, v := range parts[1 : n-4] {
		v, p.buf = unescapePlain(v, p.buf)
		st.Key = append(st.Key, KV{Key: strconv.Itoa(i + 1), Value: string(v)})
	}
	return nil
}

func isYes(v []byte) bool {
	switch string(v) {
	case "Y", "true", "T":
		return true
	}
	return false
}

func (p *Parser) statJSON(line []byte, st *Stat) error {
	if err := p.sc.Reset(line); err != nil {
		return err
	}
	seenKey, seenCount := false, false
	for {
		k, v, typ, ok, err := p.sc.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if typ == TypeString {
			v, p.buf = Unquote(v, p.buf)
		}
		switch string(k) {
		case "time", "timestamp":
			ms, ok := p.tc.parse(v, p.Loc)
			if !ok {
				return ErrNoTime
			}
			st.TimeMs = ms
		case "stat.key":
			if typ != TypeObject {
				return ErrSyntax
			}
			var sub Scanner
			if err := sub.Reset(v); err != nil {
				return err
			}
			for {
				kk, vv, t2, ok, err := sub.Next()
				if err != nil {
					return err
				}
				if !ok {
					break
				}
				kk, p.buf = Unquote(kk, p.buf)
				if t2 == TypeString {
					vv, p.buf = Unquote(vv, p.buf)
				}
				st.Key = append(st.Key, KV{string(kk), string(vv)})
			}
			seenKey = true
		case "count":
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return ErrSyntax
			}
			st.Count, seenCount = n, true
		case "total.cost.milliseconds":
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return ErrSyntax
			}
			st.TotalMs = n
		case "success", "result":
			st.Success = isYes(v)
		case "load.test":
			st.LoadTest = string(v) == "T"
		}
	}
	if !seenKey || !seenCount || st.TimeMs == 0 {
		return ErrSyntax
	}
	return nil
}
