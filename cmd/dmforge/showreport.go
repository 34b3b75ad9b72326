package main

import (
	"io"

	"github.com/dmforge/dmforge/diff"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/model"
)

// showReport writes `show --format html|markdown`, with --diff OLD
// compared against the older model.
func showReport(w io.Writer, opts *loadOptions, m *model.Model, format, diffOld string, all bool) error {
	ro := gen.ReportOptions{Format: format}
	if diffOld != "" {
		old, err := opts.load(diffOld)
		if err != nil {
			return err
		}
		ro.Old, ro.OldLabel = old.Model, diff.Label(old.Model)
		// Compared with deleted items: an item deleted since OLD is a
		// change (status became deleted), listed with the items the
		// report no longer shows.
		ro.Changes = diff.Compare(old.Model, m, diff.Options{})
		if ro.Changes == nil {
			ro.Changes = []diff.Change{}
		}
	}
	if !all {
		m = m.WithoutDeleted()
	}
	return gen.WriteReport(w, m, ro)
}
