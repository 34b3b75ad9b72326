package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dmforge/dmforge/acsref"
)

func init() { rootCmd.AddCommand(newDiagnosticsCmd()) }

// diagnosticTypes lists the NBI's diagnostic types, sorted.
func diagnosticTypes() []string {
	var out []string
	for t := range acsref.DiagnosticObjects {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func newDiagnosticsCmd() *cobra.Command {
	cmd, c := nbiCommand(&cobra.Command{
		Use:   "diagnostics",
		Short: "Run TR-143 and Wi-Fi diagnostics on a device through the reference ACS's NBI",
		Long: `Diagnostics runs a TR-143 or Wi-Fi diagnostic on one device the reference
ACS manages (dmforge acs): the ACS checks the parameters against the device's
model, sets them with DiagnosticsState Requested, waits for 8 DIAGNOSTICS
COMPLETE and reads the results, typed by the model.

  dmforge diagnostics run --device ID --type IPPing --param Host=192.0.2.1 \
      --param NumberOfRepetitions=3
  dmforge diagnostics list --device ID
  dmforge diagnostics get --device ID DIAGNOSTIC

Types: ` + strings.Join(diagnosticTypes(), ", ") + ` (where the device's model
has them). Exit status: 0 when the diagnostic completed, 1 when the device
reported an error or none came in time, 2 when it could not be run.

The NBI is --nbi (or $DMFORGE_NBI); its token --token (or $DMFORGE_NBI_TOKEN).`,
	}, 2*time.Minute)
	var device string
	cmd.PersistentFlags().StringVar(&device, "device", "", "device id (as GET /devices lists it)")
	diags := func() (string, error) {
		if device == "" {
			return "", fmt.Errorf("--device is required")
		}
		return "/devices/" + url.PathEscape(device) + "/diagnostics", nil
	}

	var (
		typ, format string
		params      []string
		timeout     int
		wait        time.Duration
		noWait      bool
	)
	run := &cobra.Command{
		Use:   "run --device ID --type TYPE [--param NAME=VALUE]...",
		Short: "Start a diagnostic, wait for its results and print them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := diags()
			if err != nil {
				return err
			}
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if typ == "" {
				return fmt.Errorf("--type is required (%s)", strings.Join(diagnosticTypes(), ", "))
			}
			req := acsref.DiagnosticRequest{Type: typ, Parameters: map[string]any{}, TimeoutSeconds: timeout}
			for _, p := range params {
				name, value, ok := strings.Cut(p, "=")
				if !ok || name == "" {
					return fmt.Errorf("--param %q: NAME=VALUE", p)
				}
				// The ACS checks the value against the parameter's syntax;
				// a string is accepted for every type.
				req.Parameters[name] = value
			}
			body, _ := json.Marshal(req)
			var d acsref.Diagnostic
			if err := httpResult(c.do(cmd.Context(), "POST", path, "application/json", body, &d)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "diagnostic %s: %s of %s on %s\n", d.ID, d.Type, d.Object, device)
			if !noWait {
				if d, err = waitDiagnostic(cmd.Context(), c, path+"/"+d.ID, wait); err != nil {
					return err
				}
			}
			return printDiagnostic(cmd.OutOrStdout(), format, d)
		},
	}
	f := run.Flags()
	f.StringVar(&typ, "type", "", "diagnostic type: "+strings.Join(diagnosticTypes(), ", "))
	f.StringArrayVar(&params, "param", nil, "a parameter of the diagnostic's object, NAME=VALUE (repeatable)")
	f.IntVar(&timeout, "timeout", 0, "seconds the ACS waits for 8 DIAGNOSTICS COMPLETE (default 120)")
	f.DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the results")
	f.BoolVar(&noWait, "no-wait", false, "print the started diagnostic and return")
	addFormatFlag(run, &format, "table", "json")
	completeFlagWords(run, "type", diagnosticTypes()...)
	cmd.AddCommand(run)

	var getFormat string
	get := &cobra.Command{
		Use:   "get --device ID DIAGNOSTIC",
		Short: "Print a diagnostic's state and results",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := diags()
			if err != nil {
				return err
			}
			if err := checkFormat(getFormat, "table", "json"); err != nil {
				return err
			}
			var d acsref.Diagnostic
			if err := httpResult(c.do(cmd.Context(), "GET", path+"/"+url.PathEscape(args[0]), "", nil, &d)); err != nil {
				return err
			}
			return printDiagnostic(cmd.OutOrStdout(), getFormat, d)
		},
	}
	addFormatFlag(get, &getFormat, "table", "json")
	cmd.AddCommand(get)

	var listFormat string
	list := &cobra.Command{
		Use:   "list --device ID",
		Short: "List the device's diagnostics, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := diags()
			if err != nil {
				return err
			}
			if err := checkFormat(listFormat, "table", "json"); err != nil {
				return err
			}
			var ds []acsref.Diagnostic
			if err := httpResult(c.do(cmd.Context(), "GET", path, "", nil, &ds)); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if listFormat == "json" {
				return writeJSONOut(w, ds)
			}
			rows := [][]string{}
			for _, d := range ds {
				rows = append(rows, []string{d.ID, d.Type, d.State, d.DiagnosticsState, d.Requested.Format(time.RFC3339)})
			}
			return writeTable(w, false, []string{"ID", "TYPE", "STATE", "DIAGNOSTICSSTATE", "REQUESTED"}, rows)
		},
	}
	addFormatFlag(list, &listFormat, "table", "json")
	cmd.AddCommand(list)
	return cmd
}

// waitDiagnostic polls a diagnostic until it is no longer running.
func waitDiagnostic(ctx context.Context, c *nbiClient, path string, wait time.Duration) (acsref.Diagnostic, error) {
	deadline := time.Now().Add(wait)
	for {
		var d acsref.Diagnostic
		if err := httpResult(c.do(ctx, "GET", path, "", nil, &d)); err != nil {
			return d, err
		}
		if d.State != acsref.DiagRunning {
			return d, nil
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("diagnostic %s still running after %v", d.ID, wait)
		}
		select {
		case <-ctx.Done():
			return d, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printDiagnostic prints a diagnostic (its results as NAME VALUE rows);
// a failed one is a finding (exit status 1).
func printDiagnostic(w io.Writer, format string, d acsref.Diagnostic) error {
	if format == "json" {
		if err := writeJSONOut(w, d); err != nil {
			return err
		}
	} else {
		rows := [][]string{{"id", d.ID}, {"type", d.Type}, {"object", d.Object}, {"state", d.State}}
		if d.DiagnosticsState != "" {
			rows = append(rows, []string{"DiagnosticsState", d.DiagnosticsState})
		}
		if d.Error != "" {
			rows = append(rows, []string{"error", d.Error})
		}
		names := make([]string, 0, len(d.Results))
		for n := range d.Results {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			rows = append(rows, []string{n, resultText(d.Results[n])})
		}
		if err := writeTable(w, false, []string{"NAME", "VALUE"}, rows); err != nil {
			return err
		}
	}
	if d.State == acsref.DiagFailed {
		return exitError{exitFindings}
	}
	return nil
}

func resultText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
