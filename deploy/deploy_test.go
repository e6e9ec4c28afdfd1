package deploy_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/mock"
	"github.com/halcytone/halcytone/publish"
	"github.com/halcytone/halcytone/telemetry"
)

// ---------------------------------------------------------------- metrics

// exportedFamilies builds the server's metrics, records one observation on
// every labelled vector so that each appears in Gather, and returns the
// gathered families by name with their type ("COUNTER", "HISTOGRAM", ...).
func exportedFamilies(t *testing.T) map[string]string {
	t.Helper()
	m, err := telemetry.NewMetrics()
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/jobs", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	m.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v2/jobs", nil))
	m.ObserveGeneration("blog", "queued", 10*time.Millisecond)
	m.ObserveFetch("sample", "ok")
	m.QueueJobs.WithLabelValues("pending").Set(1)
	m.ApprovalRequests.WithLabelValues("legal", "pending").Set(1)
	m.WebSocketConnections.WithLabelValues("jobs").Set(1)
	m.Publish.ObserveRateWait("twitter", time.Second)
	m.Publish.SetBreakerState("twitter", gobreaker.StateClosed, gobreaker.StateOpen)
	pub := publish.WithTelemetry(mock.NewRecordingPublisher("twitter", content.ChannelTwitter), publish.Telemetry{Metrics: m.Publish})
	_, err = pub.Publish(context.Background(), publish.Delivery{
		IdempotencyKey: "k1", JobID: "job-1", Channel: content.ChannelTwitter, Platform: content.PlatformTwitter, DryRun: true,
	})
	require.NoError(t, err)

	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	fams := map[string]string{}
	for _, mf := range mfs {
		fams[mf.GetName()] = mf.GetType().String()
	}
	names := m.Names()
	for n := range fams {
		assert.Contains(t, names, n, "Metrics.Names misses a gathered family")
	}
	return fams
}

// projectFamilies are the metrics the brief names: each has a panel.
var projectFamilies = []string{
	"http_requests_total", "http_request_duration_seconds",
	"content_generation_total", "content_generation_duration_seconds",
	"source_fetch_total",
	"publish_deliveries_total", "publish_duration_seconds",
	"queue_jobs", "approval_requests",
	"ratelimit_wait_seconds", "circuit_breaker_state", "websocket_connections",
}

// resolveMetric returns the family a series name of a query belongs to, or
// why it names no exported series. A histogram is only queryable through
// its _bucket, _sum and _count series; a summary also by its bare name
// (the quantile series). `up` is recorded by Prometheus itself.
func resolveMetric(name string, fams map[string]string) (string, string) {
	if name == "up" {
		return name, ""
	}
	if typ, ok := fams[name]; ok {
		if typ == "HISTOGRAM" {
			return "", "is a histogram: query its _bucket, _sum or _count series"
		}
		return name, ""
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		switch typ := fams[base]; {
		case typ == "HISTOGRAM", typ == "SUMMARY" && suffix != "_bucket":
			return base, ""
		case typ != "":
			return "", "has no " + suffix + " series: " + base + " is a " + strings.ToLower(typ)
		}
	}
	if strings.HasPrefix(name, "process_") && runtime.GOOS != "linux" {
		return name, "" // the process collector gathers nothing off Linux
	}
	return "", "is not exported by telemetry.NewMetrics"
}

// ------------------------------------------------------ PromQL extraction

var (
	promString    = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promBraces    = regexp.MustCompile(`\{[^{}]*\}`)
	promBrackets  = regexp.MustCompile(`\[[^\[\]]*\]`)
	promLabelList = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	// promToken: a number or duration (1, 0.99, 5m, 1e3), a Grafana
	// variable ($instance, ${x}), or an identifier.
	promToken       = regexp.MustCompile(`(\d[\w.]*)|(\$\{?\w+\}?)|([a-zA-Z_:][a-zA-Z0-9_:]*)`)
	grafLabelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_]\w*\s*\)\s*$`)
)

// promKeyword reports whether an identifier is PromQL syntax, not a metric.
func promKeyword(id string) bool {
	switch strings.ToLower(id) {
	case "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
		"and", "or", "unless", "offset", "atan2", "inf", "nan":
		return true
	}
	return false
}

// metricNames returns the series names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges and grouping
// lists are removed, less function names (an identifier followed by "("),
// keywords, numbers and Grafana variables.
func metricNames(expr string) []string {
	if m := grafLabelValues.FindStringSubmatch(expr); m != nil {
		expr = m[1] // label_values(metric{...}, label): the label is no metric
	}
	e := promString.ReplaceAllString(expr, `""`)
	e = promBraces.ReplaceAllString(e, "{}")
	e = promBrackets.ReplaceAllString(e, "[]")
	e = promLabelList.ReplaceAllString(e, " ")
	var names []string
	for _, loc := range promToken.FindAllStringSubmatchIndex(e, -1) {
		if loc[6] < 0 { // not an identifier
			continue
		}
		id := e[loc[6]:loc[7]]
		if promKeyword(id) || strings.HasPrefix(strings.TrimLeft(e[loc[7]:], " \t\n"), "(") {
			continue
		}
		if !slices.Contains(names, id) {
			names = append(names, id)
		}
	}
	slices.Sort(names)
	return names
}

func TestMetricNamesOfPromQL(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`up{job="halcytone"} == 0`, []string{"up"}},
		{`sum by (instance) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (instance) (rate(http_requests_total[5m])) > 0.05`,
			[]string{"http_requests_total"}},
		{`histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!~"/ws/.*"}[$__rate_interval])))`,
			[]string{"http_request_duration_seconds_bucket"}},
		{`sum(rate(x_sum[5m])) without (le) / on (a) group_left (b) sum(rate(x_count[5m:1m] offset 1h))`, []string{"x_count", "x_sum"}},
		{`count(circuit_breaker_state{instance=~"$instance"} == 2) or vector(0)`, []string{"circuit_breaker_state"}},
		{`go_goroutines + 1e3 * process_open_fds unless bool inf`, []string{"go_goroutines", "process_open_fds"}},
		{`label_values(up{job="halcytone"}, instance)`, []string{"up"}},
		{`a:recorded:rate5m > ${threshold}`, []string{"a:recorded:rate5m"}},
	} {
		assert.Equal(t, tc.want, metricNames(tc.expr), tc.expr)
	}
}

func TestResolveMetric(t *testing.T) {
	fams := map[string]string{"h_seconds": "HISTOGRAM", "s_seconds": "SUMMARY", "c_total": "COUNTER", "g": "GAUGE"}
	for name, want := range map[string]string{
		"up": "up", "c_total": "c_total", "g": "g", "h_seconds_bucket": "h_seconds", "h_seconds_sum": "h_seconds",
		"h_seconds_count": "h_seconds", "s_seconds": "s_seconds", "s_seconds_count": "s_seconds",
	} {
		got, why := resolveMetric(name, fams)
		assert.Empty(t, why, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"h_seconds", "s_seconds_bucket", "c_total_count", "missing_total", "c"} {
		_, why := resolveMetric(name, fams)
		assert.NotEmpty(t, why, name)
	}
}

// ---------------------------------------------------------------- dashboard

type dashPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ H, W, X, Y int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

type dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	SchemaVersion int         `json:"schemaVersion"`
	Panels        []dashPanel `json:"panels"`
	Templating    struct {
		List []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Query   any    `json:"query"`
			Current struct {
				Value any `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("grafana/halcytone-dashboard.json")
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	return d
}

// allPanels flattens rows (collapsed rows hold their panels).
func allPanels(ps []dashPanel) []dashPanel {
	var out []dashPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// dashboardQueries returns every PromQL query of the dashboard, keyed by
// where it is.
func dashboardQueries(d dashboard) map[string]string {
	qs := map[string]string{}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			qs["panel "+p.Title+" "+tg.RefID] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		switch q := v.Query.(type) {
		case string:
			qs["variable "+v.Name] = q
		case map[string]any:
			qs["variable "+v.Name], _ = q["query"].(string)
		}
	}
	return qs
}

func TestDashboardIsWellFormed(t *testing.T) {
	d := loadDashboard(t)
	assert.Equal(t, "halcytone", d.UID)
	assert.NotEmpty(t, d.Title)
	assert.GreaterOrEqual(t, d.SchemaVersion, 36, "a dashboard of the Grafana 10/11 schema")

	var dsVar string
	for _, v := range d.Templating.List {
		if v.Type == "datasource" {
			dsVar = v.Name
			assert.Equal(t, "prometheus", v.Current.Value, "the default data source is the provisioned one (uid prometheus)")
		}
	}
	require.NotEmpty(t, dsVar, "a datasource variable, so the dashboard also imports elsewhere")

	ids := map[int]string{}
	type rect struct{ x0, y0, x1, y1 int }
	var placed []rect
	var titles []string
	for _, p := range allPanels(d.Panels) {
		assert.NotEmpty(t, p.Title, "panel %d", p.ID)
		assert.NotZero(t, p.ID, p.Title)
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		assert.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 24, "panel %q gridPos %+v", p.Title, g)
		r := rect{g.X, g.Y, g.X + g.W, g.Y + g.H}
		for _, o := range placed {
			if r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1 {
				t.Errorf("panel %q overlaps another panel", p.Title)
			}
		}
		placed = append(placed, r)
		if p.Type == "row" {
			continue
		}
		titles = append(titles, p.Title)
		require.NotNil(t, p.Datasource, "panel %q has no datasource", p.Title)
		assert.Equal(t, "prometheus", p.Datasource.Type, p.Title)
		assert.Equal(t, "${"+dsVar+"}", p.Datasource.UID, p.Title)
		assert.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			assert.NotEmpty(t, tg.Expr, "panel %q", p.Title)
			assert.False(t, refs[tg.RefID], "panel %q repeats refId %q", p.Title, tg.RefID)
			refs[tg.RefID] = true
		}
	}
	assert.GreaterOrEqual(t, len(titles), len(projectFamilies))
}

// TestDashboardAndAlertsUseExportedMetrics is the point of this package:
// a renamed metric must not leave a blank panel or a silent alert.
func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	fams := exportedFamilies(t)
	for _, name := range projectFamilies {
		require.Contains(t, fams, name, "telemetry.NewMetrics no longer gathers %s", name)
	}

	queries := dashboardQueries(loadDashboard(t))
	for _, r := range loadAlerts(t).rules() {
		queries["alert "+r.Alert] = r.Expr
	}
	used := map[string]bool{}
	for where, q := range queries {
		names := metricNames(q)
		assert.NotEmpty(t, names, "%s selects no metric: %s", where, q)
		for _, n := range names {
			fam, why := resolveMetric(n, fams)
			if why != "" {
				t.Errorf("%s: %s %s\n\t%s", where, n, why, q)
				continue
			}
			used[fam] = true
		}
	}
	for _, name := range projectFamilies {
		assert.True(t, used[name], "no panel or alert shows %s", name)
	}
	for _, prefix := range []string{"go_", "process_"} {
		assert.True(t, slices.ContainsFunc(slices.Collect(maps.Keys(used)), func(n string) bool { return strings.HasPrefix(n, prefix) }),
			"no panel shows a %s* metric", prefix)
	}
}

// ---------------------------------------------------------------- alerts

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type alertFile struct {
	Groups []struct {
		Name     string      `yaml:"name"`
		Interval string      `yaml:"interval"`
		Rules    []alertRule `yaml:"rules"`
	} `yaml:"groups"`
}

func (f alertFile) rules() []alertRule {
	var out []alertRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

func loadAlerts(t *testing.T) alertFile {
	t.Helper()
	raw, err := os.Open("prometheus/alerts.yml")
	require.NoError(t, err)
	defer raw.Close()
	dec := yaml.NewDecoder(raw)
	dec.KnownFields(true) // a misspelt key is an error, as in Prometheus
	var f alertFile
	require.NoError(t, dec.Decode(&f))
	return f
}

func TestAlertRulesAreWellFormed(t *testing.T) {
	f := loadAlerts(t)
	require.NotEmpty(t, f.Groups)
	seen := map[string]bool{}
	for _, r := range f.rules() {
		require.NotEmpty(t, r.Alert, "a rule without a name (recording rules belong elsewhere): %s", r.Expr)
		assert.False(t, seen[r.Alert], "alert %s is defined twice", r.Alert)
		seen[r.Alert] = true
		assert.NotEmpty(t, strings.TrimSpace(r.Expr), r.Alert)
		assert.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"], r.Alert)
		assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
		assert.NotEmpty(t, r.Annotations["description"], r.Alert)
		if r.For != "" {
			_, err := time.ParseDuration(r.For)
			assert.NoError(t, err, "%s: for", r.Alert)
		}
	}
	for _, want := range []string{"HalcytoneDown", "HalcytoneHigh5xxRate", "HalcytoneHighLatencyP99",
		"HalcytonePublishFailures", "HalcytoneCircuitBreakerOpen", "HalcytoneQueueBacklogGrowing"} {
		assert.True(t, seen[want], "missing alert %s", want)
	}
}

// TestAlertRulesWithPromtool checks the rules' PromQL and runs their unit
// tests (prometheus/alerts_test.yml) when promtool is installed (Debian:
// apt-get install prometheus).
func TestAlertRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed")
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}

// ---------------------------------------------------------------- image

// dockerInstructions returns the Dockerfile's instructions, continuation
// lines joined and comments dropped.
func dockerInstructions(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	var out []string
	cur := ""
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if rest, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur += rest + " "
			continue
		}
		out = append(out, cur+trimmed)
		cur = ""
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := dockerInstructions(t)
	var froms []string
	for _, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			froms = append(froms, in)
		}
	}
	require.Len(t, froms, 2, "a builder stage and a final stage")

	goMod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	require.NotNil(t, goVersion)
	assert.Regexp(t, `^FROM golang:`+regexp.QuoteMeta(string(goVersion[1]))+`(\s|-|$)`, froms[0], "the builder's Go is go.mod's")
	assert.Regexp(t, `^FROM (gcr\.io/distroless/static\S*|scratch)(\s|$)`, froms[1])

	final := ins[slices.Index(ins, froms[1]):]
	has := func(list []string, prefix, sub string) bool {
		return slices.ContainsFunc(list, func(in string) bool { return strings.HasPrefix(in, prefix) && strings.Contains(in, sub) })
	}
	build := ins[:slices.Index(ins, froms[1])]
	for _, sub := range []string{"CGO_ENABLED=0", "go build", "-trimpath", `-ldflags="-s -w`, "./cmd/halcytone"} {
		assert.True(t, has(build, "RUN ", sub), "the build RUN has %s", sub)
	}
	assert.True(t, has(final, "COPY ", " /halcytone"), "the binary is /halcytone")
	assert.True(t, has(final, "ENV ", "HALCYTONE_DATABASE_URL=sqlite:///data/halcytone.db"))
	assert.True(t, has(final, "VOLUME ", "/data"))
	assert.True(t, has(final, "EXPOSE ", "8000"))

	var user, entry string
	for _, in := range final {
		if u, ok := strings.CutPrefix(in, "USER "); ok {
			user = strings.TrimSpace(u)
		}
		if e, ok := strings.CutPrefix(in, "ENTRYPOINT "); ok {
			entry = e
		}
	}
	require.NotEmpty(t, user, "the final stage sets USER")
	assert.NotContains(t, []string{"root", "0", "0:0", "root:root"}, user)
	var argv []string
	require.NoError(t, json.Unmarshal([]byte(entry), &argv), "ENTRYPOINT in exec form: %s", entry)
	assert.Equal(t, []string{"/halcytone", "serve"}, argv)
}

// TestBinaryNeedsNoCgo checks the premise of CGO_ENABLED=0 in the
// Dockerfile at the cost of two package listings rather than a -trimpath
// build: no package outside the standard library that the binary imports
// uses cgo (such a package, a cgo SQLite driver say, would be left out or
// stubbed without it), and the build resolves with cgo off.
func TestBinaryNeedsNoCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	list := func(cgo string, format string) string {
		cmd := exec.Command(goTool, "list", "-deps", "-f", format, "./cmd/halcytone")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "CGO_ENABLED=%s go list ./cmd/halcytone:\n%s", cgo, out)
		return strings.TrimSpace(string(out))
	}
	assert.Empty(t, list("1", "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}"), "packages that use cgo")
	assert.Contains(t, strings.Fields(list("0", "{{.ImportPath}}")), "modernc.org/sqlite", "the pure-Go SQLite driver")
}

// ---------------------------------------------------------------- compose

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Command     []string          `yaml:"command"`
	DependsOn   any               `yaml:"depends_on"`
}

func loadYAML(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, v), file)
}

// mounts returns the bind mounts of svc: container path → host path
// relative to this directory.
func mounts(svc composeService) map[string]string {
	out := map[string]string{}
	for _, v := range svc.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && strings.HasPrefix(parts[0], ".") {
			out[parts[1]] = parts[0]
		}
	}
	return out
}

func TestCompose(t *testing.T) {
	var c struct {
		Services map[string]composeService `yaml:"services"`
	}
	loadYAML(t, "compose.yaml", &c)
	for _, name := range []string{"halcytone", "postgres", "prometheus", "grafana", "jaeger"} {
		require.Contains(t, c.Services, name)
	}

	h := c.Services["halcytone"]
	require.NotNil(t, h.Build, "halcytone is built from the repository")
	assert.FileExists(t, filepath.Join(h.Build.Context, h.Build.Dockerfile))
	assert.FileExists(t, filepath.Join(h.Build.Context, "go.mod"), "the build context is the repository root")
	assert.Regexp(t, `^postgres://[^@]+@postgres:5432/`, h.Environment["HALCYTONE_DATABASE_URL"])
	assert.Equal(t, "http://jaeger:4318", h.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
	assert.Regexp(t, `^postgres:16(\.|-|$)`, c.Services["postgres"].Image)
	assert.Contains(t, c.Services["jaeger"].Image, "jaeger")
	assert.Equal(t, "true", c.Services["jaeger"].Environment["COLLECTOR_OTLP_ENABLED"])

	for name, svc := range c.Services {
		for _, host := range mounts(svc) {
			_, err := os.Stat(host)
			assert.NoError(t, err, "service %s mounts %s", name, host)
		}
	}

	// Prometheus: its config and rules come from ./prometheus.
	prom := c.Services["prometheus"]
	promDir := ""
	for ctr, host := range mounts(prom) {
		if path.Clean(host) == "prometheus" {
			promDir = ctr
		}
	}
	require.NotEmpty(t, promDir, "./prometheus is mounted into the prometheus service")
	var pc struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	loadYAML(t, "prometheus/prometheus.yml", &pc)
	assert.Contains(t, prom.Command, "--config.file="+promDir+"/prometheus.yml")
	require.NotEmpty(t, pc.RuleFiles)
	for _, rf := range pc.RuleFiles {
		rel, ok := strings.CutPrefix(rf, promDir+"/")
		require.True(t, ok, "rule file %s is outside the mounted %s", rf, promDir)
		assert.FileExists(t, filepath.Join("prometheus", rel))
	}
	assert.Contains(t, pc.RuleFiles, promDir+"/alerts.yml")
	scraped := false
	for _, sc := range pc.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			if sc.JobName == "halcytone" && slices.Contains(st.Targets, "halcytone:8000") && (sc.MetricsPath == "" || sc.MetricsPath == "/metrics") {
				scraped = true
			}
		}
	}
	assert.True(t, scraped, "job halcytone scrapes halcytone:8000/metrics (the alerts select job=\"halcytone\")")

	// Grafana: the provisioned data source is the dashboard's default, and
	// the dashboard provider reads the directory the dashboard is mounted in.
	gm := mounts(c.Services["grafana"])
	var provDir, dashFile string
	for ctr, host := range gm {
		switch path.Clean(host) {
		case "grafana/provisioning":
			provDir = ctr
		case "grafana/halcytone-dashboard.json":
			dashFile = ctr
		}
	}
	assert.Equal(t, "/etc/grafana/provisioning", provDir)
	require.NotEmpty(t, dashFile, "the dashboard is mounted into grafana")
	var ds struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	loadYAML(t, "grafana/provisioning/datasources/prometheus.yml", &ds)
	require.Len(t, ds.Datasources, 1)
	assert.Equal(t, "prometheus", ds.Datasources[0].UID)
	assert.Equal(t, "prometheus", ds.Datasources[0].Type)
	assert.Equal(t, "http://prometheus:9090", ds.Datasources[0].URL)
	var dp struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	loadYAML(t, "grafana/provisioning/dashboards/halcytone.yml", &dp)
	require.Len(t, dp.Providers, 1)
	assert.Equal(t, path.Dir(dashFile), dp.Providers[0].Options.Path)
}
