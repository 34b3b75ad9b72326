package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/conformance"
)

func init() { rootCmd.AddCommand(newConformanceCmd()) }

func newConformanceCmd() *cobra.Command {
	cmd, c := nbiCommand(&cobra.Command{
		Use:   "conformance",
		Short: "Run conformance test plans against a device through the reference ACS's NBI",
		Long: `Conformance runs a test plan against one device the reference ACS manages
(dmforge acs): the ACS drives the device across its sessions (connection
requests, RPCs, the Informs it must send) and judges every case: pass, fail
(expected, observed and the RPC exchange), skipped (why) or not applicable.

  dmforge conformance plan cwmp-core                 print a built-in plan (JSON)
  dmforge conformance plan --profiles-from Device:2.19
                                                     the profile plan of a model (BBF XML)
  dmforge conformance run --device ID --plan cwmp-core --allow reboot,download \
      --junit report.xml --html report.html

The NBI is --nbi (or $DMFORGE_NBI); its token --token (or $DMFORGE_NBI_TOKEN).`,
	}, 2*time.Minute)

	var lo loadOptions
	var profilesFrom string
	plan := &cobra.Command{
		Use:   "plan [NAME]",
		Short: "Print a built-in plan, or the profile plan of a model (--profiles-from FILE|MODEL), as JSON",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *conformance.Plan
			if len(args) == 1 {
				var err error
				if p, err = conformance.Builtin(args[0]); err != nil {
					return err
				}
			}
			if profilesFrom != "" {
				pp, err := profilePlanOf(&lo, profilesFrom)
				if err != nil {
					return err
				}
				if p == nil {
					p = pp
				} else {
					p = conformance.Merge(p, pp)
				}
			}
			if p == nil {
				return fmt.Errorf("name a built-in plan (%s) or give --profiles-from", strings.Join(conformance.BuiltinNames(), ", "))
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(p)
		},
	}
	plan.Flags().StringVar(&profilesFrom, "profiles-from", "", "BBF data-model file or model name (\"Device:2.19\") whose profiles become cases")
	lo.addFlags(plan)
	cmd.AddCommand(plan)
	cmd.AddCommand(newConformanceRunCmd(c))
	return cmd
}

// profilePlanOf loads a model from the BBF files and makes its profile plan.
func profilePlanOf(lo *loadOptions, target string) (*conformance.Plan, error) {
	l, err := lo.load(target)
	if err != nil {
		return nil, err
	}
	return conformance.ProfilePlan(l.Model)
}

func newConformanceRunCmd(c *nbiClient) *cobra.Command {
	var (
		device, planName, planFile, profilesFrom string
		junitOut, htmlOut, jsonOut, format       string
		opts                                     conformance.Options
		wait                                     time.Duration
		lo                                       loadOptions
	)
	run := &cobra.Command{
		Use:   "run --device ID --plan NAME",
		Short: "Start a run through the NBI, wait for it, write the reports; exit status 1 when a case fails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if device == "" {
				return fmt.Errorf("--device is required")
			}
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			req := acsref.ConformanceRunRequest{Plan: planName, Options: opts}
			if planFile != "" {
				data, err := os.ReadFile(planFile)
				if err != nil {
					return err
				}
				if req.PlanDocument, err = conformance.ParsePlan(data); err != nil {
					return fmt.Errorf("%s: %w", planFile, err)
				}
			}
			if profilesFrom != "" {
				pp, err := profilePlanOf(&lo, profilesFrom)
				if err != nil {
					return err
				}
				if req.PlanDocument == nil {
					req.PlanDocument = pp
				} else {
					req.PlanDocument = conformance.Merge(req.PlanDocument, pp)
				}
			}
			if req.Plan == "" && req.PlanDocument == nil {
				return fmt.Errorf("--plan, --plan-file or --profiles-from is required")
			}
			body, _ := json.Marshal(req)
			ctx := cmd.Context()
			runs := "/devices/" + url.PathEscape(device) + "/conformance-runs"
			var rep conformance.Report
			if err := httpResult(c.do(ctx, "POST", runs, "application/json", body, &rep)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "run %s of %s %s on %s: %d cases\n", rep.Run, rep.Plan, rep.PlanVersion, device, rep.Total)
			rep, err := waitRun(ctx, c, runs+"/"+rep.Run, wait, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			for _, out := range []struct {
				file string
				path string
			}{{junitOut, "/junit"}, {htmlOut, "/html"}} {
				if out.file == "" {
					continue
				}
				code, data, err := c.do(ctx, "GET", runs+"/"+rep.Run+out.path, "", nil, nil)
				if err := httpResult(code, data, err); err != nil {
					return err
				}
				if err := os.WriteFile(out.file, data, 0o644); err != nil {
					return err
				}
			}
			if jsonOut != "" {
				data, _ := json.MarshalIndent(rep, "", "  ")
				if err := os.WriteFile(jsonOut, append(data, '\n'), 0o644); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			}
			for _, r := range rep.Results {
				if format == "json" {
					break
				}
				fmt.Fprintf(w, "%-14s %s", r.Status, r.Case)
				switch {
				case r.Status == conformance.Fail:
					fmt.Fprintf(w, ": expected %s; observed %s", r.Expected, r.Observed)
				case r.Reason != "":
					fmt.Fprintf(w, ": %s", r.Reason)
				}
				fmt.Fprintln(w)
			}
			if format != "json" {
				fmt.Fprintf(w, "%s: pass %d, fail %d, skipped %d, not applicable %d\n", rep.State, rep.Counts.Pass, rep.Counts.Fail, rep.Counts.Skipped, rep.Counts.NotApplicable)
			}
			switch {
			case rep.State != conformance.Finished:
				return fmt.Errorf("run %s: %s %s", rep.Run, rep.State, rep.Error)
			case rep.Counts.Fail > 0:
				// Findings, not a failure to run (exit status 1).
				fmt.Fprintf(cmd.ErrOrStderr(), "%d of %d cases failed\n", rep.Counts.Fail, rep.Total)
				return exitError{exitFindings}
			}
			return nil
		},
	}
	f := run.Flags()
	f.StringVar(&device, "device", "", "device id (as GET /devices lists it)")
	f.StringVar(&planName, "plan", "", "built-in plan ("+strings.Join(conformance.BuiltinNames(), ", ")+")")
	f.StringVar(&planFile, "plan-file", "", "plan document (JSON), run after --plan's cases")
	f.StringVar(&profilesFrom, "profiles-from", "", "BBF data-model file or model name whose profiles become cases")
	f.StringSliceVar(&opts.Allow, "allow", nil, "destructive steps the run may take: reboot, factoryReset, download")
	f.StringSliceVar(&opts.Profiles, "profiles", nil, "profiles to check besides those the device declares (\"Baseline:3\")")
	f.StringSliceVar(&opts.Cases, "cases", nil, "run only these case ids")
	f.IntVar(&opts.StepTimeoutSeconds, "step-timeout", 0, "seconds each wait for the device may take (default 60)")
	f.IntVar(&opts.PeriodicIntervalSeconds, "periodic-interval", 0, "PeriodicInformInterval the periodic case sets (default 10)")
	f.DurationVar(&wait, "wait", time.Hour, "how long to wait for the run")
	f.StringVar(&junitOut, "junit", "", "write the JUnit XML report to this file")
	f.StringVar(&htmlOut, "html", "", "write the HTML report to this file")
	f.StringVar(&jsonOut, "json", "", "write the JSON report to this file")
	addFormatFlag(run, &format, "text", "json")
	lo.addFlags(run)
	return run
}

// waitRun polls a run until it is no longer running, printing each case
// as it completes; past wait, it cancels the run.
func waitRun(ctx context.Context, c *nbiClient, path string, wait time.Duration, progress io.Writer) (conformance.Report, error) {
	deadline := time.Now().Add(wait)
	done := 0
	for {
		var rep conformance.Report
		if err := httpResult(c.do(ctx, "GET", path, "", nil, &rep)); err != nil {
			return rep, err
		}
		for ; done < len(rep.Results); done++ {
			fmt.Fprintf(progress, "[%d/%d] %s %s\n", done+1, rep.Total, rep.Results[done].Case, rep.Results[done].Status)
		}
		if rep.State != conformance.Running {
			return rep, nil
		}
		if time.Now().After(deadline) {
			_ = httpResult(c.do(ctx, "DELETE", path, "", nil, nil))
			return rep, fmt.Errorf("the run did not finish within %v (cancelled)", wait)
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
