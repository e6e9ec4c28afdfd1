package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const benchUsage = `Usage:
  halcytone bench seed [--database-url URL] [--jobs 100000]
  halcytone bench run  [--target http://127.0.0.1:8000] [--key KEY] --scenario NAME
                       [--duration 10s] [--concurrency N] [--client http|conn]
                       [--server-pid PID] [--json]
  halcytone bench rss  --pid PID

seed writes realistic jobs straight into a store, so that the jobs endpoint
can be measured on a full database. run loads a server on this machine
(loopback addresses only, at most 5 minutes) with N closed-loop workers and
reports requests, errors, requests per second and latency percentiles. rss
prints a process's resident memory.

Scenarios of run:
  health          GET /health
  jobs            GET /api/v2/jobs?limit=20 (needs a read key)
  preview         POST /api/v2/generate-content of a 5 KB Markdown document with
                  preview_only, its text different in every request (a request
                  number): fetch-free, never cached (needs a write key)
  preview-repeat  the same, with the same text every time: answered from the
                  server's preview cache from the third (needs a write key)
  preview-cached  GET /api/v1/preview?document_id=sample: (cached by the server)
  ws              N clients on /ws/jobs; POST /api/v2/content/sync (dry run) at
                  --rate per second; latency from each event's timestamp to its
                  arrival at each client (needs a write key)

Run "halcytone bench <subcommand> -h" for the flags.
`

// runBench is the bench command: load tools for a server on this machine.
func runBench(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return fmt.Errorf("%w: bench needs a subcommand: seed, run or rss", errUsage)
	}
	switch args[0] {
	case "seed":
		return runBenchSeed(ctx, args[1:], env, stdout, stderr)
	case "run":
		return runBenchRun(ctx, args[1:], env, stdout, stderr)
	case "rss":
		return runBenchRSS(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	}
	fmt.Fprint(stderr, benchUsage)
	return fmt.Errorf("%w: unknown bench subcommand %q", errUsage, args[0])
}

// Bounds of bench run: a load test on this machine stops by itself.
const (
	benchMaxDuration    = 5 * time.Minute
	benchMaxWarmup      = time.Minute
	benchMaxGrace       = time.Minute
	benchMaxConcurrency = 50000
	benchMaxRate        = 1000
)

// benchScenarios are the scenario names of bench run.
var benchScenarios = []string{"health", "jobs", "preview", "preview-repeat", "preview-cached", "ws"}

// benchOptions configure one bench run.
type benchOptions struct {
	Target      string        // base URL of the server: http://127.0.0.1:8000
	Key         string        // API key for the scenarios that need one
	Scenario    string        // one of benchScenarios
	Duration    time.Duration // measured time (ws: time triggering updates)
	Warmup      time.Duration // unmeasured load before it (HTTP scenarios)
	Concurrency int           // workers, or WebSocket clients
	Client      string        // "http" (one shared net/http client) or "conn" (see connRequester)
	Timeout     time.Duration // one request; the ws connection phase scales it
	Rate        float64       // ws: job updates triggered per second
	Grace       time.Duration // ws: longest wait for the last deliveries
	ServerPID   int           // when set, the server's CPU time and RSS are reported
}

// validate checks the options' bounds; the target's address is checked by
// checkLoopbackTarget.
func (o *benchOptions) validate() error {
	switch {
	case !slices.Contains(benchScenarios, o.Scenario):
		return fmt.Errorf("%w: --scenario %q: want one of %s", errUsage, o.Scenario, strings.Join(benchScenarios, ", "))
	case o.Duration <= 0 || o.Duration > benchMaxDuration:
		return fmt.Errorf("%w: --duration %s: want more than 0 and at most %s", errUsage, o.Duration, benchMaxDuration)
	case o.Warmup < 0 || o.Warmup > benchMaxWarmup:
		return fmt.Errorf("%w: --warmup %s: want 0 to %s", errUsage, o.Warmup, benchMaxWarmup)
	case o.Grace < 0 || o.Grace > benchMaxGrace:
		return fmt.Errorf("%w: --grace %s: want 0 to %s", errUsage, o.Grace, benchMaxGrace)
	case o.Concurrency < 1 || o.Concurrency > benchMaxConcurrency:
		return fmt.Errorf("%w: --concurrency %d: want 1 to %d", errUsage, o.Concurrency, benchMaxConcurrency)
	case o.Timeout <= 0 || o.Timeout > time.Minute:
		return fmt.Errorf("%w: --timeout %s: want more than 0 and at most 1m", errUsage, o.Timeout)
	case o.Client != "" && o.Client != "http" && o.Client != "conn":
		return fmt.Errorf("%w: --client %q: want http or conn", errUsage, o.Client)
	case o.Scenario == "ws" && (o.Rate <= 0 || o.Rate > benchMaxRate):
		return fmt.Errorf("%w: --rate %g: want more than 0 and at most %d per second", errUsage, o.Rate, benchMaxRate)
	}
	return nil
}

// runBenchRun is bench run.
func runBenchRun(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var o benchOptions
	fs := flag.NewFlagSet("bench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage, "\nFlags of run:\n"); fs.PrintDefaults() }
	fs.StringVar(&o.Target, "target", "http://127.0.0.1:8000", "base `URL` of the server; loopback addresses only")
	fs.StringVar(&o.Key, "key", "", "API `key` (default $HALCYTONE_KEY); give it an unlimited rate (HALCYTONE_API_KEYS name:key:admin:0)")
	fs.StringVar(&o.Scenario, "scenario", "", "`name`: "+strings.Join(benchScenarios, ", "))
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured `time`, at most 5m (ws: how long updates are triggered)")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured load before the measurement (HTTP scenarios)")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "closed-loop workers (default 16), or WebSocket clients for ws (default 1000)")
	fs.StringVar(&o.Client, "client", "http", "`kind` of HTTP client: http (one shared net/http client, keep-alive) or conn (a lean keep-alive\nconnection per worker, read with http.ReadResponse: less of the shared CPU goes to the tool)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.Float64Var(&o.Rate, "rate", 2, "ws: job updates triggered per second")
	fs.DurationVar(&o.Grace, "grace", 10*time.Second, "ws: longest wait after the last trigger for every client to receive every event")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "`pid` of the server: report its CPU time during the measurement, its RSS after it, and the CPU\nother processes used meanwhile (Linux)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: bench run takes no arguments, got %q", errUsage, fs.Args())
	}
	if o.Key == "" {
		o.Key = env("HALCYTONE_KEY")
	}
	if o.Concurrency == 0 {
		o.Concurrency = 16
		if o.Scenario == "ws" {
			o.Concurrency = 1000
		}
	}
	res, err := benchRun(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.print(stdout)
	return nil
}

// benchResult is the outcome of one bench run; --json prints it.
type benchResult struct {
	Scenario    string  `json:"scenario"`
	Target      string  `json:"target"`
	Request     string  `json:"request"`
	Client      string  `json:"client,omitempty"` // http or conn
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"` // measured wall time

	// HTTP scenarios (ws: the trigger requests).
	Requests        int64            `json:"requests"`
	Errors          int64            `json:"errors"` // non-2xx answers and transport errors
	TransportErrors int64            `json:"transport_errors"`
	Statuses        map[string]int64 `json:"statuses"`
	RequestsPerSec  float64          `json:"requests_per_second"`
	Latency         latencySummary   `json:"latency"`

	WS *wsResult `json:"ws,omitempty"`

	Server *serverUsage `json:"server,omitempty"`
	// ClientCPUSeconds is this tool's own CPU time during the measurement:
	// on a machine it shares with the server, it is CPU the server lacked.
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	// OtherCPUCores is the CPU that every other process used during the
	// measurement (the machine's busy time less the server's and this
	// tool's), in cores: a run that others disturbed shows it here. Only
	// with --server-pid.
	OtherCPUCores *float64 `json:"other_cpu_cores,omitempty"`
}

// serverUsage is what /proc tells of the server around the measurement.
type serverUsage struct {
	PID                  int     `json:"pid"`
	CPUSeconds           float64 `json:"cpu_seconds"`
	CPUCores             float64 `json:"cpu_cores"` // average cores busy
	CPUMicrosPerRequest  float64 `json:"cpu_us_per_request,omitempty"`
	RSSMiB               float64 `json:"rss_mib"`
	PeakRSSMiB           float64 `json:"peak_rss_mib"`
	Threads              int     `json:"threads"`
	RSSMiBBeforeMeasured float64 `json:"rss_mib_before"`
}

func (r *benchResult) print(w io.Writer) {
	fmt.Fprintf(w, "scenario     %s: %s\n", r.Scenario, r.Request)
	fmt.Fprintf(w, "target       %s, concurrency %d, %.1f s measured", r.Target, r.Concurrency, r.Seconds)
	if r.Client != "" {
		fmt.Fprintf(w, ", client %s", r.Client)
	}
	fmt.Fprintln(w)
	if r.WS != nil {
		r.WS.print(w)
		fmt.Fprintf(w, "triggers     %d sent, %d errors", r.Requests, r.Errors)
		if r.Latency.Count > 0 {
			fmt.Fprintf(w, ", response p50 %.2f ms, max %.2f ms", r.Latency.P50, r.Latency.Max)
		}
		fmt.Fprintln(w)
	} else {
		codes := slices.Sorted(maps.Keys(r.Statuses))
		for i, c := range codes {
			codes[i] = fmt.Sprintf("%s × %d", c, r.Statuses[c])
		}
		fmt.Fprintf(w, "requests     %d, errors %d (transport %d); status %s\n", r.Requests, r.Errors, r.TransportErrors, strings.Join(codes, ", "))
		fmt.Fprintf(w, "throughput   %.0f req/s\n", r.RequestsPerSec)
		l := r.Latency
		fmt.Fprintf(w, "latency      p50 %.3f ms, p90 %.3f, p95 %.3f, p99 %.3f, p99.9 %.3f, max %.3f (mean %.3f)\n", l.P50, l.P90, l.P95, l.P99, l.P999, l.Max, l.Mean)
	}
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "server       pid %d: %.2f CPU s (%.2f cores)", s.PID, s.CPUSeconds, s.CPUCores)
		if s.CPUMicrosPerRequest > 0 {
			fmt.Fprintf(w, ", %.0f µs CPU/request", s.CPUMicrosPerRequest)
		}
		fmt.Fprintf(w, "; RSS %.1f MiB before, %.1f MiB after (peak %.1f), %d threads\n", s.RSSMiBBeforeMeasured, s.RSSMiB, s.PeakRSSMiB, s.Threads)
	}
	fmt.Fprintf(w, "bench tool   %.2f CPU s\n", r.ClientCPUSeconds)
	if r.OtherCPUCores != nil {
		fmt.Fprintf(w, "others       %.2f cores busy with other processes during the measurement\n", *r.OtherCPUCores)
	}
}

// benchRun runs one scenario against o.Target.
func benchRun(ctx context.Context, o benchOptions) (*benchResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	base, err := checkLoopbackTarget(ctx, o.Target, net.DefaultResolver.LookupIPAddr)
	if err != nil {
		return nil, err
	}
	o.Target = base.String()
	if o.Client == "" {
		o.Client = "http"
	}
	if o.Scenario == "ws" {
		o.Client = ""
		return runWSBench(ctx, o, base)
	}
	return runHTTPBench(ctx, o, base)
}

// checkLoopbackTarget parses target, an http or https base URL, and
// checks that its host is or resolves only to loopback addresses
// (127.0.0.0/8, ::1): bench never loads another machine. The dialer
// checks every connection again (loopbackOnly).
func checkLoopbackTarget(ctx context.Context, target string, lookup func(context.Context, string) ([]net.IPAddr, error)) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%w: --target %q: %v", errUsage, target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: --target %q: want an http:// or https:// URL", errUsage, target)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%w: --target %q has no host", errUsage, target)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: --target %q: want a base URL without user, query or fragment", errUsage, target)
	}
	var addrs []net.IP
	if ip := net.ParseIP(host); ip != nil {
		addrs = []net.IP{ip}
	} else {
		ips, err := lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("--target %q: resolve %s: %w", target, host, err)
		}
		for _, a := range ips {
			addrs = append(addrs, a.IP)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("--target %q: %s resolves to no address", target, host)
	}
	for _, ip := range addrs {
		if !ip.IsLoopback() {
			what := host
			if what != ip.String() {
				what += " resolves to " + ip.String() + ", which"
			}
			return nil, fmt.Errorf("%w: --target %q: %s is not a loopback address: bench only loads servers on this machine (127.0.0.0/8, ::1)", errUsage, target, what)
		}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// loopbackOnly is a net.Dialer Control function that refuses every
// address but loopback ones, whatever a name resolved to after the check.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("bench: refusing to connect to %s: not a loopback address", address)
	}
	return nil
}

// procStat is a process's CPU time and memory, from /proc.
type procStat struct {
	cpu        time.Duration
	rssKiB     int64
	hwmKiB     int64
	threads    int
	haveMemory bool
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// readProcStat reads /proc/PID/stat (utime, stime) and /proc/PID/status
// (VmRSS, VmHWM, Threads).
func readProcStat(pid int) (procStat, error) {
	var ps procStat
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// The command name (field 2) may hold spaces: fields count from the
	// last ')'.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ps, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return ps, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return ps, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	ps.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	mem, err := readProcStatus(pid)
	if err != nil {
		return ps, err
	}
	ps.rssKiB, ps.hwmKiB, ps.threads, ps.haveMemory = mem["VmRSS"], mem["VmHWM"], int(mem["Threads"]), true
	return ps, nil
}

// readProcStatus returns the numeric fields of /proc/PID/status (kB
// values in KiB).
func readProcStatus(pid int) (map[string]int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for line := range strings.SplitSeq(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			out[k] = n
		}
	}
	if _, ok := out["VmRSS"]; !ok {
		return nil, fmt.Errorf("/proc/%d/status has no VmRSS (a kernel thread or a zombie?)", pid)
	}
	return out, nil
}

// selfCPU returns this process's CPU time so far; 0 without /proc.
func selfCPU() time.Duration {
	ps, err := readProcStat(os.Getpid())
	if err != nil {
		return 0
	}
	return ps.cpu
}

// machineCPU returns the time all CPUs spent busy since boot, from the
// first line of /proc/stat (every state but idle and iowait).
func machineCPU() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, errors.New("/proc/stat: unexpected format")
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is already counted in user time
			break
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}

// usageMeter measures the server's, this tool's and the other processes'
// CPU time over the measured phase.
type usageMeter struct {
	pid         int
	server      procStat
	serverErr   error
	self        time.Duration
	machine     time.Duration
	machineErr  error
	startedWall time.Time
}

func startUsage(pid int) *usageMeter {
	m := &usageMeter{pid: pid}
	if pid > 0 {
		m.server, m.serverErr = readProcStat(pid)
		m.machine, m.machineErr = machineCPU()
	}
	m.self, m.startedWall = selfCPU(), time.Now()
	return m
}

// finish fills r's CPU and memory figures.
func (m *usageMeter) finish(r *benchResult, requests int64) error {
	wall := time.Since(m.startedWall)
	self := selfCPU() - m.self
	r.ClientCPUSeconds = round3(self.Seconds())
	if m.pid <= 0 {
		return nil
	}
	if m.serverErr != nil {
		return fmt.Errorf("--server-pid %d: %w", m.pid, m.serverErr)
	}
	end, err := readProcStat(m.pid)
	if err != nil {
		return fmt.Errorf("--server-pid %d: %w", m.pid, err)
	}
	cpu := end.cpu - m.server.cpu
	if machine, err := machineCPU(); err == nil && m.machineErr == nil && m.pid != os.Getpid() {
		other := round3(max(0, (machine-m.machine-cpu-self).Seconds()/wall.Seconds()))
		r.OtherCPUCores = &other
	}
	u := &serverUsage{
		PID: m.pid, CPUSeconds: round3(cpu.Seconds()), CPUCores: round3(cpu.Seconds() / wall.Seconds()),
		RSSMiB: mib(end.rssKiB), PeakRSSMiB: mib(end.hwmKiB), Threads: end.threads, RSSMiBBeforeMeasured: mib(m.server.rssKiB),
	}
	if requests > 0 {
		u.CPUMicrosPerRequest = round3(float64(cpu.Microseconds()) / float64(requests))
	}
	r.Server = u
	return nil
}

func mib(kib int64) float64    { return round3(float64(kib) / 1024) }
func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// runBenchRSS is bench rss: the resident memory of a process.
func runBenchRSS(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench rss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.Int("pid", 0, "`pid` of the process (the server)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *pid <= 0 {
		return fmt.Errorf("%w: bench rss needs --pid", errUsage)
	}
	st, err := readProcStatus(*pid)
	if err != nil {
		return err
	}
	out := struct {
		PID        int     `json:"pid"`
		RSSMiB     float64 `json:"rss_mib"`
		PeakRSSMiB float64 `json:"peak_rss_mib"`
		AnonMiB    float64 `json:"anon_mib"`
		FileMiB    float64 `json:"file_mib"`
		Threads    int64   `json:"threads"`
	}{*pid, mib(st["VmRSS"]), mib(st["VmHWM"]), mib(st["RssAnon"]), mib(st["RssFile"]), st["Threads"]}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "pid %d: RSS %.1f MiB (anonymous %.1f, file %.1f), peak %.1f MiB, %d threads\n",
		out.PID, out.RSSMiB, out.AnonMiB, out.FileMiB, out.PeakRSSMiB, out.Threads)
	return nil
}
