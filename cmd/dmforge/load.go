package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dmforge/dmforge/bbf"
	"github.com/dmforge/dmforge/model"
	"github.com/dmforge/dmforge/parser"
	"github.com/spf13/cobra"
)

// loadOptions are the flags every command that reads a model shares.
type loadOptions struct {
	Includes     []string // -I directories
	Model        string   // --model: which model of a multi-model file
	Descriptions bool
}

func (o *loadOptions) addFlags(cmd *cobra.Command) {
	addIncludeDirFlag(cmd, &o.Includes)
	cmd.Flags().StringVar(&o.Model, flagModel, "", "model to use when the file defines several (default: the last one it defines)")
	completeModelFlag(cmd)
	if cmd.ValidArgsFunction == nil {
		cmd.ValidArgsFunction = completeModelArgs
	}
}

// loaded is a resolved target.
type loaded struct {
	Doc    *parser.Document
	Model  *model.Model
	Loader *parser.Loader
}

// load resolves a FILE or catalogue MODEL name ("Device:2.19", "Device:2").
func (o *loadOptions) load(target string) (*loaded, error) {
	if err := checkDirs("-I", o.Includes); err != nil {
		return nil, err
	}
	search := bbf.SearchPath(o.Includes)
	l := parser.NewLoader(search...)
	l.Descriptions = o.Descriptions
	path := target
	want := o.Model
	if _, err := os.Stat(target); err != nil && bbf.IsModelName(target) {
		e, err := bbf.Lookup(target)
		if err != nil {
			return nil, err
		}
		p, ok := bbf.Find(search, e.File)
		if !ok {
			return nil, fmt.Errorf("%s is defined by %s, which is not in the search path (%v); run `dmforge bbf fetch %s` or pass -I DIR", e.Model, e.File, search, e.Model)
		}
		path = p
		if want == "" {
			want = e.Model
		}
	} else if err := checkFile("", target); err != nil {
		return nil, err
	}
	doc, err := l.LoadFile(path)
	if err != nil {
		return nil, err
	}
	var m *model.Model
	if want != "" {
		m = doc.Model(want)
		if m == nil {
			return nil, fmt.Errorf("%s does not define model %s", filepath.Base(path), want)
		}
	} else if doc.DeviceType == nil {
		m = doc.LastModel()
		if m == nil {
			return nil, fmt.Errorf("%s defines no model", filepath.Base(path))
		}
	} else {
		m = doc.DeviceType.Model
	}
	return &loaded{Doc: doc, Model: m, Loader: l}, nil
}
