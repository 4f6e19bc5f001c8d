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
