package acsref

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
)

// The firmware library: a file stored with PUT /files/{name} may say
// which devices it is for (headers oui, productClass, modelName, and
// fromVersions: the software versions it may be installed over, comma
// separated), and carries the SHA-256 the store computed. A Download of
// it is refused before it is queued for a device it does not apply to —
// from an NBI task, a campaign or a policy's firmware.

// fileApplies checks the applicability of the file a task downloads (if
// it names one of the ACS's files) to device d.
func (s *Server) fileApplies(ctx context.Context, d *store.Device, spec *TaskSpec) *RuleError {
	if spec.File == "" || (spec.Name != "download" && spec.Name != "scheduleDownload") {
		return nil
	}
	f, err := s.st.FileInfo(ctx, spec.File)
	if err != nil {
		return &RuleError{Rule: RuleFile, Msg: fmt.Sprintf("the ACS has no file %q (PUT /files/%s first)", spec.File, spec.File)}
	}
	return s.fileAppliesTo(ctx, f, d)
}

// fileAppliesTo says why f does not apply to d, or nil.
func (s *Server) fileAppliesTo(ctx context.Context, f *store.File, d *store.Device) *RuleError {
	var why []string
	if f.OUI != "" && !strings.EqualFold(f.OUI, d.OUI) {
		why = append(why, fmt.Sprintf("it is for OUI %s, the device's is %s", f.OUI, d.OUI))
	}
	if f.ProductClass != "" && f.ProductClass != d.ProductClass {
		why = append(why, fmt.Sprintf("it is for product class %q, the device's is %q", f.ProductClass, d.ProductClass))
	}
	if len(f.FromVersions) > 0 && !slices.Contains(f.FromVersions, d.SoftwareVer) {
		why = append(why, fmt.Sprintf("it installs over software versions %s, the device runs %q", strings.Join(f.FromVersions, ", "), d.SoftwareVer))
	}
	if f.ModelName != "" {
		name := d.Root + "DeviceInfo.ModelName"
		got, known := "", false
		if ps, err := s.st.Parameters(ctx, d.ID, name); err == nil {
			for _, p := range ps {
				if p.Name == name && !p.Object && p.Type != "" { // a value was reported
					got, known = p.Value, true
				}
			}
		}
		switch {
		case !known:
			why = append(why, fmt.Sprintf("it is for model %q and the device's %s is not known yet", f.ModelName, name))
		case got != f.ModelName:
			why = append(why, fmt.Sprintf("it is for model %q, the device's is %q", f.ModelName, got))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return &RuleError{Rule: RuleFileApplies, Msg: fmt.Sprintf("file %q does not apply to device %s: %s", f.Name, d.ID, strings.Join(why, "; "))}
}

// splitList splits a comma-separated header value, trimmed, without
// empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
