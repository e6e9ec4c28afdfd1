package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tourScript returns the shell block of the README's five-minute tour.
func tourScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), "## A five-minute tour")
	require.True(t, ok, "README has a five-minute tour")
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(after)
	require.NotNil(t, m, "the tour has a sh block")
	return m[1]
}

// TestReadmeTour runs the README's tour verbatim with bash and curl, on a
// free loopback port, and checks what it printed: the job went through
// approval to delivery on the fakes, and the metrics counted it.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the tour")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tour needs %s: %v", tool, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", tourScript(t))
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "BASE=http://"+addr)
	// Its own process group, so that whatever the script started dies with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	text := out.String()
	require.NoError(t, err, "the tour failed; its output:\n%s", text)

	assert.Contains(t, text, `"status":"healthy"`, "step 2: /health")
	assert.Contains(t, text, `"status":"preview"`, "step 3: preview")
	assert.Contains(t, text, `"status":"awaiting_approval"`, "step 4: the job waits for approval")
	assert.Regexp(t, `"status":"completed"`, text, "step 7: delivered")
	for _, ch := range []string{"email", "website", "twitter", "linkedin"} {
		assert.Regexp(t, fmt.Sprintf(`"%s":\{"status":"success"`, ch), text, "step 7: %s delivered to its fake", ch)
	}
	assert.Contains(t, text, `"requests_total"`, "step 8: JSON metrics")
	assert.Regexp(t, `publish_deliveries_total\{channel="email",platform="[^"]*",status="delivered"\} 1`, text, "step 8: Prometheus metrics")
}
