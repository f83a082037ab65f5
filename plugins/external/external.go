// Package external runs steps that live outside cdflow's binary: programs
// in any language, started with github.com/hashicorp/go-plugin (as Terraform
// runs its providers) and spoken to over gRPC with the Step service of
// package steppb. A workflow declares one with a plugin block:
//
//	plugin "slope" {
//	  source  = "./bin/cdflow-slope" # the executable, relative to the workflow
//	  sha256  = "9f86d0…"            # optional: refuse any other build
//	  timeout = "2m"                 # optional: longest time for one tile
//	}
//	step "slope" "slope_t1" { input = source.dsm.t1 }
//
// The plugin describes its inputs, configuration attributes and counters;
// for every tile cdflow writes the inputs as GeoTIFFs on the tile's work
// grid into a temporary folder, hands over their paths and the paths and
// grids of the outputs, and reads back what the plugin wrote, checking the
// grid. A plugin that crashes, hangs past its timeout, writes nothing or
// writes another grid stops the run with an error naming the plugin and the
// tile; tiles finished before stay finished, so the next run resumes. The
// executable's checksum and the protocol version are part of every tile's
// cache key. Package sdk serves a step from a Go program.
package external

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/external/steppb"
)

// ProtocolVersion is the version of the Step service this cdflow speaks.
const ProtocolVersion = steppb.ProtocolVersion

func init() { plugins.RegisterExternalLoader(&loader{running: map[string]*process{}}) }

// DefaultTimeout is how long one tile may take when the plugin block says nothing.
const DefaultTimeout = 10 * time.Minute

// loader keeps one process per plugin executable.
type loader struct {
	mu      sync.Mutex
	running map[string]*process // by name|path|checksum
}

func (l *loader) Load(ctx context.Context, spec plugins.ExternalSpec) (plugins.Factory, error) {
	sum, err := checksum(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", spec.Name, err)
	}
	if spec.SHA256 != "" && !strings.EqualFold(spec.SHA256, sum) {
		return nil, fmt.Errorf("plugin %s: %s has SHA-256 %s, but the plugin block pins %s; rebuild the plugin it names or update sha256", spec.Name, spec.Path, sum, spec.SHA256)
	}
	if spec.Timeout <= 0 {
		spec.Timeout = DefaultTimeout
	}
	key := spec.Name + "|" + spec.Path + "|" + sum
	l.mu.Lock()
	p := l.running[key]
	l.mu.Unlock()
	if p == nil || p.exited() {
		// Started without holding the lock: a plugin slow to start (or
		// never starting) must not keep Close waiting.
		if p, err = start(ctx, spec, sum); err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.running[key] = p
		l.mu.Unlock()
	}
	p.timeout = spec.Timeout
	return func() plugins.Step { return newStep(p) }, nil
}

// Close stops the plugins, waiting at most a moment for each: one that
// ignores its end must not hold up cdflow's.
func (l *loader) Close() {
	l.mu.Lock()
	procs := make([]*process, 0, len(l.running))
	for k, p := range l.running {
		procs = append(procs, p)
		delete(l.running, k)
	}
	l.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.client.Kill() }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// checksum is the hex SHA-256 of a file.
func checksum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w; build the plugin or fix source in its plugin block", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// process is one running plugin.
type process struct {
	name, path, sum string
	timeout         time.Duration
	client          *plugin.Client
	rpc             steppb.StepClient
	desc            *steppb.Description
	stderr          *tail
}

func start(ctx context.Context, spec plugins.ExternalSpec, sum string) (*process, error) {
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return nil, err
	}
	p := &process{name: spec.Name, path: spec.Path, sum: sum, stderr: &tail{max: 200}}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: steppb.Handshake,
		Plugins:         map[string]plugin.Plugin{steppb.PluginName: &steppb.GRPCPlugin{}},
		// The process ends with ctx: a command interrupted while the plugin
		// starts (or hangs starting) is not held up by it.
		Cmd:              exec.CommandContext(ctx, spec.Path),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// The executable run is the one checksummed into the cache keys.
		SecureConfig: &plugin.SecureConfig{Checksum: raw, Hash: sha256.New()},
		StartTimeout: 30 * time.Second,
		// Stderr is the process's own (a panic's report); SyncStderr what
		// the plugin writes to os.Stderr, which go-plugin forwards.
		Stderr:     p.stderr,
		SyncStderr: p.stderr,
		Logger:     hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off}),
	})
	cli, err := p.client.Client()
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("plugin %s: start %s: %w%s; is it a cdflow plugin (see docs/plugins.md)?", spec.Name, spec.Path, err, p.stderr.said())
	}
	v, err := cli.Dispense(steppb.PluginName)
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("plugin %s: %w", spec.Name, err)
	}
	p.rpc = v.(steppb.StepClient)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d, err := p.rpc.Describe(cctx, &steppb.DescribeRequest{})
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("plugin %s: describe: %w%s", spec.Name, err, p.stderr.said())
	}
	if d.ProtocolVersion != ProtocolVersion {
		p.client.Kill()
		return nil, fmt.Errorf("plugin %s speaks protocol %d, this cdflow %d; rebuild the plugin against this cdflow's SDK", spec.Name, d.ProtocolVersion, ProtocolVersion)
	}
	if err := checkDescription(d); err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("plugin %s: %w", spec.Name, err)
	}
	p.desc = d
	return p, nil
}

func (p *process) exited() bool { return p.client.Exited() }

// failure explains an RPC error: the process's end and what it last said.
func (p *process) failure(what string, err error) error {
	if status.Code(err) == codes.Unavailable {
		// The connection dropped: give a dying process a moment to be seen
		// dead and to finish writing its last words.
		for i := 0; i < 100 && !p.client.Exited(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if p.client.Exited() {
		return fmt.Errorf("plugin %s (%s) crashed during %s: %v%s", p.name, p.path, what, err, p.stderr.said())
	}
	return fmt.Errorf("plugin %s (%s): %s: %w%s", p.name, p.path, what, err, p.stderr.said())
}

// tail keeps the last lines a plugin wrote on stderr, for error messages.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		t.lines = append(t.lines, string(l))
	}
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
	return len(b), nil
}

// said is what the plugin last said on stderr, as a clause to append to an
// error ("" when nothing): a Go panic's message and the line before it
// rather than its stack trace, else the last lines.
func (t *tail) said() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var last []string
	for i, l := range t.lines {
		if !strings.HasPrefix(l, "panic: ") {
			continue
		}
		last = []string{l}
		for j := i - 1; j >= 0; j-- {
			if strings.TrimSpace(t.lines[j]) != "" && !strings.HasPrefix(t.lines[j], `{"@level"`) {
				last = []string{t.lines[j], l}
				break
			}
		}
	}
	if last == nil {
		for _, l := range t.lines {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, `{"@level"`) {
				last = append(last, l)
			}
		}
		last = last[max(0, len(last)-3):]
	}
	if len(last) == 0 {
		return ""
	}
	return "; it last wrote: " + strings.Join(last, " | ")
}
