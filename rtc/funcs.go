package rtc

import "github.com/telechan/telechan/rfn"

// Clone returns f.Clone(), or nil for a nil f: a method the serving side
// does not have stays missing in every copy of a client.
func Clone[A, R any](f *rfn.Func[A, R]) *rfn.Func[A, R] {
	if f == nil {
		return nil
	}
	return f.Clone()
}

// Close closes f unless it is nil.
func Close[A, R any](f *rfn.Func[A, R]) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

// Method returns the options a generated Serve function serves one method
// with: a copy of opts (nil means defaults) named after the method, e.g.
// "Monster.JumpAround", unless opts names it already. The name is what a
// caller sees of a panic in the method.
func Method(opts *rfn.Options, name string) *rfn.Options {
	var o rfn.Options
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = name
	}
	return &o
}
