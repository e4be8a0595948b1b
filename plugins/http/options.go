package http

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// config is the validated form of OpenRequest.Options.
type config struct {
	followNext     bool
	limit          int
	concurrency    int
	batchSize      int
	maxAttempts    int
	rate           float64
	maxBody        int64
	username       string
	password       string
	token          string
	headers        []header
	allowHosts     []string
	caCert         string
	clientCert     string
	clientKey      string
	insecure       bool
	keepLinks      bool
	createWithPost bool
}

// header is one extra request header from the "header" option.
type header struct{ name, value string }

const defaultMaxBody = 64 << 20

// knownOptions lists every key Open accepts, so a typo is an error rather
// than a silently ignored setting.
var knownOptions = []string{
	"follow", "limit", "concurrency", "batch-size", "max-attempts", "rate",
	"max-body", "username", "password", "token", "header", "allow-host",
	"ca-cert", "client-cert", "client-key", "insecure", "keep-links",
	"create-with-post",
}

// parseOptions validates opts and fills in the defaults.
func parseOptions(opts map[string]string) (*config, error) {
	for key := range opts {
		if !slices.Contains(knownOptions, key) {
			return nil, fmt.Errorf("unknown option %q (known: %s)", key, strings.Join(knownOptions, ", "))
		}
	}
	c := &config{
		followNext: true,
		username:   opts["username"],
		password:   opts["password"],
		token:      opts["token"],
		caCert:     opts["ca-cert"],
		clientCert: opts["client-cert"],
		clientKey:  opts["client-key"],
	}
	switch f := opts["follow"]; f {
	case "", "page", "child", "all":
	case "none":
		c.followNext = false
	default:
		return nil, fmt.Errorf("option follow: %q is not one of none, page, child, all", f)
	}
	var err error
	ints := []struct {
		key string
		dst *int
		def int
	}{
		{"limit", &c.limit, 100},
		{"concurrency", &c.concurrency, 8},
		{"batch-size", &c.batchSize, 1},
		{"max-attempts", &c.maxAttempts, 3},
	}
	for _, o := range ints {
		if *o.dst, err = positiveInt(opts, o.key, o.def); err != nil {
			return nil, err
		}
	}
	maxBody, err := positiveInt(opts, "max-body", defaultMaxBody)
	if err != nil {
		return nil, err
	}
	c.maxBody = int64(maxBody)
	if s := opts["rate"]; s != "" {
		c.rate, err = strconv.ParseFloat(s, 64)
		if err != nil || c.rate < 0 || math.IsInf(c.rate, 0) || math.IsNaN(c.rate) {
			return nil, fmt.Errorf("option rate: %q is not a number of requests per second >= 0", s)
		}
	}
	bools := []struct {
		key string
		dst *bool
	}{
		{"insecure", &c.insecure},
		{"keep-links", &c.keepLinks},
		{"create-with-post", &c.createWithPost},
	}
	for _, o := range bools {
		if s := opts[o.key]; s != "" {
			if *o.dst, err = strconv.ParseBool(s); err != nil {
				return nil, fmt.Errorf("option %s: %q is not true or false", o.key, s)
			}
		}
	}
	if c.password != "" && c.username == "" {
		return nil, fmt.Errorf("option password needs username")
	}
	if c.token != "" && c.username != "" {
		return nil, fmt.Errorf("options token and username are exclusive: use one kind of credentials")
	}
	if (c.clientCert == "") != (c.clientKey == "") {
		return nil, fmt.Errorf("options client-cert and client-key go together")
	}
	if c.headers, err = parseHeaders(opts["header"]); err != nil {
		return nil, err
	}
	if c.allowHosts, err = parseAllowHosts(opts["allow-host"]); err != nil {
		return nil, err
	}
	return c, nil
}

// positiveInt reads an integer option >= 1.
func positiveInt(opts map[string]string, key string, def int) (int, error) {
	s, ok := opts[key]
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("option %s: %q is not a whole number >= 1", key, s)
	}
	return n, nil
}

// parseHeaders reads "Name: value" lines. The error never quotes a line:
// header values are often secrets.
func parseHeaders(s string) ([]header, error) {
	var hs []header
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, fmt.Errorf("option header: line %d is not \"Name: value\"", i+1)
		case !validHeaderName(name):
			return nil, fmt.Errorf("option header: line %d: %q is not a valid header name", i+1, name)
		case !validHeaderValue(value):
			return nil, fmt.Errorf("option header: line %d (%s): the value holds control characters", i+1, name)
		case strings.EqualFold(name, "Host"), strings.EqualFold(name, "Content-Length"):
			return nil, fmt.Errorf("option header: line %d: %s cannot be set", i+1, name)
		}
		hs = append(hs, header{name, value})
	}
	return hs, nil
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

func validHeaderValue(v string) bool {
	for _, r := range v {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return false
		}
	}
	return true
}

// parseAllowHosts reads "host[:port]" entries, lower-cased.
func parseAllowHosts(s string) ([]string, error) {
	var hosts []string
	for h := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, "/@?#") {
			return nil, fmt.Errorf("option allow-host: %q is not a host or host:port", h)
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}
