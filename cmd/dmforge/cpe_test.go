package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runCPE executes the CLI in-process, resetting every flag of every
// (nested) command afterwards.
func runCPE(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	var reset func(c *cobra.Command)
	reset = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Changed {
				if sv, ok := f.Value.(pflag.SliceValue); ok {
					_ = sv.Replace(nil)
				} else {
					_ = f.Value.Set(f.DefValue)
				}
				f.Changed = false
			}
		})
		for _, s := range c.Commands() {
			reset(s)
		}
	}
	reset(rootCmd)
	return out.String(), errOut.String(), err
}

func TestCPESim(t *testing.T) {
	acs := &testacs.ACS{}
	acs.Enqueue("", &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo."}})
	srv := httptest.NewServer(acs)
	defer srv.Close()
	out, _, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "20", "--sessions", "2", "-q", "--conn-req-addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sessions: 40 ok, 0 failed") || !strings.Contains(out, "latency: p50") {
		t.Fatalf("summary:\n%s", out)
	}
	if informs, _ := acs.Counts(); informs != 40 {
		t.Fatalf("ACS saw %d informs", informs)
	}
}

func TestCPESimFailureExitStatus(t *testing.T) {
	acs := &testacs.ACS{Fault: cwmp.NewFault(cwmp.FaultACSRequestDenied, "")}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	out, _, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "3", "--sessions", "1", "-q")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err %v, want exit status 1", err)
	}
	if !strings.Contains(out, "0 ok, 3 failed") {
		t.Fatalf("summary:\n%s", out)
	}
}

func TestCPESimProfileAndModel(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	dir := t.TempDir()
	csv := filepath.Join(dir, "igd.csv")
	if err := os.WriteFile(csv, []byte("Parameter,Object,Writable,Value,Value type\n"+
		"InternetGatewayDevice.DeviceInfo.SoftwareVersion,false,false,9.9,xsd:string\n"+
		"InternetGatewayDevice.DeviceInfo.UpTime,false,true,x,xsd:unsignedInt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--count", "2", "--sessions", "1", "-q",
		"--model", "InternetGatewayDevice:1.14", "--profile", csv, "--serial-prefix", "IGD-")
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "InternetGatewayDevice.DeviceInfo.UpTime") || !strings.Contains(errOut, "2 contradictions") {
		t.Fatalf("findings not reported:\n%s", errOut)
	}
	s := acs.Last("IGD-1")
	if s == nil || s.Inform.DeviceID.SerialNumber != "IGD-1" {
		t.Fatalf("no session for IGD-1: %+v", acs.Sessions(""))
	}
	if _, _, err := runCPE(t, "cpe", "sim", "--acs", srv.URL, "--model", "Nope:1.0"); err == nil {
		t.Fatal("unknown model accepted")
	}
}

func TestCPERun(t *testing.T) {
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuf
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs([]string{"cpe", "run", "--acs", srv.URL, "--serial", "BENCH1", "--conn-req-addr", "127.0.0.1:0"})
	done := make(chan error)
	go func() { done <- rootCmd.ExecuteContext(ctx) }()
	for acs.Last("BENCH1") == nil && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rootCmd.SetContext(context.Background())
	runCPE(t, "cpe", "--help") // reset the flags
	if s := acs.Last("BENCH1"); s == nil || s.Inform.DeviceID.SerialNumber != "BENCH1" {
		t.Fatalf("no session; stderr:\n%s", errOut.String())
	}
	if !strings.Contains(errOut.String(), "connection requests: http://127.0.0.1:") {
		t.Fatalf("stderr:\n%s", errOut.String())
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestCPERunNextToACS: dmforge cpe run beside dmforge acs (which holds
// 127.0.0.1:7547) starts: its connection-request listener takes a free
// port by default, with a generated password, not a fixed one; a taken
// --conn-req-addr is refused naming the flag.
func TestCPERunNextToACS(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.1:7547"); err == nil { // else another process holds it: as good
		defer ln.Close()
	}
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errOut syncBuf
	cmd := newCPERunCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"--acs", srv.URL, "--serial", "NEXT1"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	for acs.Last("NEXT1") == nil && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("cpe run next to the ACS: %v\n%s", err, errOut.String())
	}
	m := regexp.MustCompile(`connection requests: http://127\.0\.0\.1:(\d+)/NEXT1 \(user NEXT1, password ([0-9a-f]+)\)`).FindStringSubmatch(errOut.String())
	if m == nil || m[1] == "7547" || m[2] == "cpe" {
		t.Fatalf("stderr:\n%s", errOut.String())
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cmd = newCPERunCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"--acs", srv.URL, "--serial", "NEXT2", "--conn-req-addr", taken.Addr().String()})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--conn-req-addr") {
		t.Fatalf("taken --conn-req-addr: %v, want an error naming the flag", err)
	}
}
