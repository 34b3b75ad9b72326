package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// startCLIACS starts an ACS on a new SQLite store on loopback, changed by
// mods, and points the NBI commands at it through DMFORGE_NBI and
// DMFORGE_NBI_TOKEN (the configured token, else the admin key the ACS
// made on its first start). Both stop when the test ends.
func startCLIACS(t *testing.T, mods ...func(*acsref.Config)) (*acsref.Server, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "acs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := acsref.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Setenv(envNBI, srv.NBIURL())
	if cfg.NBIToken != "" {
		t.Setenv(envNBIToken, cfg.NBIToken)
	} else {
		t.Setenv(envNBIToken, srv.NewAdminKey())
	}
	return srv, st
}
