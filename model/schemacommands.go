package model

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// USP commands and events in generated code. A USP model's generated
// package declares, for every command, an input and an output argument
// struct, and for every event an argument struct; fields are typed like
// parameter fields, argument tables are slices of structs, single argument
// objects pointers to structs, and each field's `json` tag is the
// argument's name (the `dm:"mandatory"` tag marks a mandatory input
// argument). The handles below carry those structs as type parameters,
// and EncodeArgs/DecodeArgs convert between the structs and USP's flat
// argument maps (Operate's input_args, OperationComplete's output_args,
// Notify's event params: "Result.1.Status" → "Complete") from the struct
// types alone: no code per argument.

// NoArgs is the argument struct of a command or event without arguments
// (most Reset() commands have neither input nor output).
type NoArgs struct{}

// CommandPath is the typed path of a USP command at an instance path
// ("Device.IP.Interface.1.Reset()"). In and Out are the command's
// generated argument structs, so a request built with the wrong input, or
// a result read into the wrong output, does not compile.
type CommandPath[In, Out any] struct {
	path  string
	async bool
}

// NewCommandPath is called by generated code with the object's handle and
// the command's name ("Reset()").
func NewCommandPath[In, Out any](object ObjectPath, name string, async bool) CommandPath[In, Out] {
	return CommandPath[In, Out]{path: object.Path() + name, async: async}
}

// Path returns the command's instance path ("Device.IP.Interface.1.Reset()").
func (c CommandPath[In, Out]) Path() string { return c.path }

// Async reports whether the command is asynchronous: its output arrives
// later, in an OperationComplete notification.
func (c CommandPath[In, Out]) Async() bool { return c.async }

// Input returns in as USP input arguments (Operate's input_args): the
// mandatory ones and those holding more than their Go zero value, so that
// the agent applies its defaults to the rest (EncodeSetArgs).
func (c CommandPath[In, Out]) Input(in In) (map[string]string, error) { return EncodeSetArgs(in) }

// Output reads USP output arguments (OperateResp's or OperationComplete's
// output_args) into the command's output struct.
func (c CommandPath[In, Out]) Output(args map[string]string) (Out, error) {
	var out Out
	err := DecodeArgs(args, &out)
	return out, err
}

// EventPath is the typed path of a USP event at an instance path
// ("Device.Boot!"); T is its generated argument struct.
type EventPath[T any] struct{ path string }

// NewEventPath is called by generated code with the object's handle and
// the event's name ("Boot!").
func NewEventPath[T any](object ObjectPath, name string) EventPath[T] {
	return EventPath[T]{path: object.Path() + name}
}

// Path returns the event's instance path ("Device.Boot!").
func (e EventPath[T]) Path() string { return e.path }

// Args returns v as the event's USP arguments (a Notify's params).
func (e EventPath[T]) Args(v T) (map[string]string, error) { return EncodeArgs(v) }

// Parse reads a notified event's arguments into its struct.
func (e EventPath[T]) Parse(args map[string]string) (T, error) {
	var v T
	err := DecodeArgs(args, &v)
	return v, err
}

// OperateSync runs a synchronous command handler on USP wire arguments:
// generated dispatchers call it, one line per command.
func OperateSync[In, Out any](ctx context.Context, run func(context.Context, []uint32, In) (Out, error), inst []uint32, input map[string]string) (map[string]string, error) {
	var in In
	if err := DecodeArgs(input, &in); err != nil {
		return nil, err
	}
	out, err := run(ctx, inst, in)
	if err != nil {
		return nil, err
	}
	return EncodeArgs(out)
}

// OperateAsync starts an asynchronous command handler on USP wire
// arguments: it returns once the handler has started it (or failed to),
// and done receives the output arguments, or the command's failure, when
// the handler completes it.
func OperateAsync[In, Out any](ctx context.Context, start func(context.Context, []uint32, In, func(Out, error)) error, inst []uint32, input map[string]string, done func(map[string]string, error)) error {
	if done == nil {
		return errors.New("an asynchronous command needs a done function for its output")
	}
	var in In
	if err := DecodeArgs(input, &in); err != nil {
		return err
	}
	return start(ctx, inst, in, func(out Out, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		done(EncodeArgs(out))
	})
}

// ArgError is a USP argument map that does not fit the argument struct:
// an unknown argument, a missing mandatory one, or a value that is not of
// the argument's type.
type ArgError struct {
	Arg string // relative path ("Result.1.Status")
	Msg string
	Err error
}

func (e *ArgError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("argument %s: %s: %v", e.Arg, e.Msg, e.Err)
	}
	return fmt.Sprintf("argument %s: %s", e.Arg, e.Msg)
}

func (e *ArgError) Unwrap() error { return e.Err }

// maxArgInstance bounds the instance numbers of argument tables a decoded
// map may use, so that a hostile "X.4294967295.Y" cannot make a slice of
// billions of entries: instances are compacted in order anyway.
const maxArgInstances = 1 << 16

// EncodeArgs flattens a generated argument struct into USP arguments:
// every parameter field (a zero value is a value), argument tables as
// instances 1..n, single argument objects when not nil.
func EncodeArgs(v any) (map[string]string, error) { return encodeArgsOf(v, true) }

// EncodeSetArgs is EncodeArgs without the arguments that hold their Go
// zero value, mandatory ones excepted: the input of a request.
func EncodeSetArgs(v any) (map[string]string, error) { return encodeArgsOf(v, false) }

func encodeArgsOf(v any, all bool) (map[string]string, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return map[string]string{}, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("EncodeArgs: want a generated argument struct, not %T", v)
	}
	out := map[string]string{}
	encodeArgs(rv, "", out, all)
	return out, nil
}

func encodeArgs(rv reflect.Value, prefix string, out map[string]string, all bool) {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fv := rv.Field(i)
		switch {
		case isArgObject(f.Type):
			if !fv.IsNil() {
				encodeArgs(fv.Elem(), prefix+name+".", out, all)
			}
		case isArgTable(f.Type):
			for j := 0; j < fv.Len(); j++ {
				encodeArgs(fv.Index(j), prefix+name+"."+strconv.Itoa(j+1)+".", out, all)
			}
		default:
			if f.Type == decimalType && fv.String() == "" {
				continue // a decimal's zero value is no value (not "0")
			}
			if all || !fv.IsZero() || f.Tag.Get("dm") == "mandatory" {
				out[prefix+name] = formatAny(argWireType(f.Type), fv.Interface())
			}
		}
	}
}

// DecodeArgs reads USP arguments into the generated argument struct dst
// points to. It is strict: an argument the struct does not have, a
// missing mandatory one or a value that does not parse is an *ArgError
// (all of them, joined, in path order).
func DecodeArgs(args map[string]string, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("DecodeArgs: want a pointer to a generated argument struct, not %T", dst)
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	decodeArgs(args, keys, "", rv.Elem(), &errs)
	return errors.Join(errs...)
}

// decodeArgs fills rv from the keys (sorted, all under prefix, relative
// to the command) of args.
func decodeArgs(args map[string]string, keys []string, prefix string, rv reflect.Value, errs *[]error) {
	t := rv.Type()
	fields := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" && name != "-" && t.Field(i).IsExported() {
			fields[name] = i
		}
	}
	seen := map[string]bool{}
	// Group the keys by their first segment (keys are sorted, so each
	// group is contiguous).
	for len(keys) > 0 {
		rel := keys[0][len(prefix):]
		head, _, nested := strings.Cut(rel, ".")
		n := 1
		if nested {
			for n < len(keys) && strings.HasPrefix(keys[n][len(prefix):], head+".") {
				n++
			}
		}
		group := keys[:n]
		keys = keys[n:]
		i, ok := fields[head]
		if !ok {
			for _, k := range group {
				*errs = append(*errs, &ArgError{Arg: k, Msg: "no such argument"})
			}
			continue
		}
		seen[head] = true
		f, fv := t.Field(i), rv.Field(i)
		switch {
		case isArgObject(f.Type):
			if !nested {
				*errs = append(*errs, &ArgError{Arg: group[0], Msg: "is an argument object, not a parameter"})
				continue
			}
			if fv.IsNil() {
				fv.Set(reflect.New(f.Type.Elem()))
			}
			decodeArgs(args, group, prefix+head+".", fv.Elem(), errs)
		case isArgTable(f.Type):
			if !nested {
				*errs = append(*errs, &ArgError{Arg: group[0], Msg: "is an argument table, not a parameter"})
				continue
			}
			decodeArgTable(args, group, prefix+head+".", fv, errs)
		default:
			if nested {
				for _, k := range group {
					*errs = append(*errs, &ArgError{Arg: k, Msg: "no such argument (" + prefix + head + " is a parameter)"})
				}
				continue
			}
			if err := parseInto(argWireType(f.Type), args[group[0]], fv); err != nil {
				*errs = append(*errs, &ArgError{Arg: group[0], Msg: "invalid value", Err: err})
			}
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name := jsonName(f); f.Tag.Get("dm") == "mandatory" && !seen[name] {
			*errs = append(*errs, &ArgError{Arg: prefix + name, Msg: "mandatory argument missing"})
		}
	}
}

// decodeArgTable fills a slice of argument structs from keys under
// prefix ("Result."): instances in the order of their numbers, compacted.
func decodeArgTable(args map[string]string, keys []string, prefix string, fv reflect.Value, errs *[]error) {
	byInst := map[uint64][]string{}
	for _, k := range keys {
		inst, _, ok := strings.Cut(k[len(prefix):], ".")
		n, err := strconv.ParseUint(inst, 10, 32)
		if !ok || err != nil || n == 0 || strconv.FormatUint(n, 10) != inst { // canonical numbers only: the keys are sliced by them
			*errs = append(*errs, &ArgError{Arg: k, Msg: "an argument table's entries are addressed by instance number (" + prefix + "1.…)"})
			continue
		}
		byInst[n] = append(byInst[n], k)
	}
	if len(byInst) > maxArgInstances {
		*errs = append(*errs, &ArgError{Arg: prefix, Msg: fmt.Sprintf("more than %d instances", maxArgInstances)})
		return
	}
	nums := make([]uint64, 0, len(byInst))
	for n := range byInst {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(a, b int) bool { return nums[a] < nums[b] })
	s := reflect.MakeSlice(fv.Type(), len(nums), len(nums))
	for j, n := range nums {
		ks := byInst[n]
		sort.Strings(ks)
		decodeArgs(args, ks, prefix+strconv.FormatUint(n, 10)+".", s.Index(j), errs)
	}
	fv.Set(s)
}

var (
	hexBinaryType = reflect.TypeOf(HexBinary(nil))
	decimalType   = reflect.TypeOf(Decimal(""))
)

// isArgObject: a single argument object is a pointer to a struct.
func isArgObject(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct
}

// isArgTable: an argument table is a slice of structs (time.Time is a
// value, not a table).
func isArgTable(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct && t.Elem() != timeType
}

// argWireType is the wire type of a generated argument field, from its Go
// type (the generator maps each wire type to a distinct Go type; lists
// have their item's).
func argWireType(t reflect.Type) BaseType {
	switch t {
	case hexBinaryType:
		return TypeHexBinary
	case decimalType:
		return TypeDecimal
	case timeType:
		return TypeDateTime
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return TypeBase64
		}
		return argWireType(t.Elem())
	case reflect.Bool:
		return TypeBoolean
	case reflect.Int32:
		return TypeInt
	case reflect.Int64:
		return TypeLong
	case reflect.Uint32:
		return TypeUnsignedInt
	case reflect.Uint64:
		return TypeUnsignedLong
	}
	return TypeString
}
