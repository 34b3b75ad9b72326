package storetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PrivateServer is a PostgreSQL server of one test's own, started from the
// installed binaries in a temporary directory, so that the test may stop
// and restart it without disturbing the shared server other packages'
// tests use at the same time.
type PrivateServer struct {
	DSN  string // postgres://… on 127.0.0.1, database postgres, trust auth
	bin  string
	data string
	log  string
	as   []string // runuser prefix when the test runs as root
	t    testing.TB
}

// StartPrivatePostgres starts a private server: initdb, then pg_ctl start
// on a free loopback port. Without PostgreSQL's binaries the test is
// skipped, or fails when DMFORGE_REQUIRE_POSTGRES=1. The server is stopped
// and its directory removed when the test ends.
func StartPrivatePostgres(t testing.TB) *PrivateServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s=1 but no PostgreSQL binaries (pg_ctl) are installed", EnvRequirePostgres)
		}
		t.Skip("no PostgreSQL binaries (pg_ctl) installed")
	}
	sort.Slice(bins, func(i, j int) bool { return pgVersion(bins[i]) < pgVersion(bins[j]) })
	s := &PrivateServer{bin: filepath.Dir(bins[len(bins)-1]), t: t}
	// PostgreSQL refuses to run as root: the server runs as postgres.
	owner := -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and there is no postgres user to run a private server as: %v", err)
		}
		owner, _ = strconv.Atoi(u.Uid)
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "dmforge-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.data, s.log = filepath.Join(dir, "data"), filepath.Join(dir, "server.log")
	sock := filepath.Join(dir, "sock")
	for _, d := range []string{s.data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if owner >= 0 {
		for _, p := range []string{dir, s.data, sock} {
			if err := os.Chown(p, owner, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.run("initdb", "-D", s.data, "-U", "dmforge", "--auth=trust", "--no-sync", "-E", "UTF8")
	port := freePort(t)
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, sock)
	s.run("pg_ctl", "-D", s.data, "-l", s.log, "-o", opts, "-w", "-t", "60", "start")
	t.Cleanup(func() { s.runQuiet("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop") })
	s.DSN = fmt.Sprintf("postgres://dmforge@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", port)
	return s
}

// Restart stops the server (fast shutdown: every connection is closed)
// and starts it again, waiting until it accepts connections.
func (s *PrivateServer) Restart() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data, "-l", s.log, "-m", "fast", "-w", "-t", "60", "restart")
}

// Stop stops the server; Start starts it again after a Stop.
func (s *PrivateServer) Stop() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "-t", "60", "stop")
}

func (s *PrivateServer) Start() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data, "-l", s.log, "-w", "-t", "60", "start")
}

func (s *PrivateServer) command(name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	s.t.Cleanup(cancel)
	argv := append(append(append([]string{}, s.as...), filepath.Join(s.bin, name)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = os.TempDir() // postgres may not read the test's directory
	return cmd
}

func (s *PrivateServer) run(name string, args ...string) {
	s.t.Helper()
	out, err := s.command(name, args...).CombinedOutput()
	if err != nil {
		logText, _ := os.ReadFile(s.log)
		s.t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, logText)
	}
}

func (s *PrivateServer) runQuiet(name string, args ...string) {
	_ = s.command(name, args...).Run()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pgVersion is the major version in /usr/lib/postgresql/N/bin/pg_ctl.
func pgVersion(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}
