package rfn

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/telechan/telechan/internal/core"
)

// codes maps the names of registered errors to the errors, both ways.
var codes struct {
	sync.RWMutex
	byName map[string]error
	names  []string // in registration order, for lookups by errors.Is
}

// RegisterError names err so that it survives the trip: when a served
// function returns an error that matches err (errors.Is), the caller's
// *CallError carries the name, and errors.Is(callErr, err) holds on the
// calling side too — provided the caller's program registered the same
// name. Register sentinel errors at init time, on both sides. It panics,
// with an "rfn:" message, on an empty or duplicate name.
func RegisterError(name string, err error) {
	codes.Lock()
	defer codes.Unlock()
	if name == "" || err == nil {
		panic("rfn: RegisterError needs a name and an error")
	}
	if codes.byName == nil {
		codes.byName = make(map[string]error)
	}
	if _, dup := codes.byName[name]; dup {
		panic(fmt.Sprintf("rfn: error %q registered twice", name))
	}
	codes.byName[name] = err
	codes.names = append(codes.names, name)
}

// codeOf returns the name under which an error matching err was
// registered, or "".
func codeOf(err error) string {
	codes.RLock()
	defer codes.RUnlock()
	for _, name := range codes.names {
		if errors.Is(err, codes.byName[name]) {
			return name
		}
	}
	return ""
}

// registered returns the error registered under name, or nil.
func registered(name string) error {
	codes.RLock()
	defer codes.RUnlock()
	return codes.byName[name]
}

// The context errors, and the package's own, are registered from the start, so that a call whose
// deadline passed on the serving side still matches
// context.DeadlineExceeded on the calling side.
func init() {
	RegisterError("context.DeadlineExceeded", context.DeadlineExceeded)
	RegisterError("context.Canceled", context.Canceled)
	RegisterError(codeUsed, ErrUsed)
	RegisterError(codePanic, ErrPanic)
	// The channel errors a call can end with, so that errors.Is(err,
	// rch.ErrTooLarge) holds for a result too large to send back.
	RegisterError("rch.too_large", core.ErrTooLarge)
	RegisterError("rch.decode", core.ErrDecode)
	RegisterError("rch.not_delivered", core.ErrNotDelivered)
}

// The codes of the package's own errors.
const (
	codeUsed  = "rfn.used"
	codePanic = "rfn.panic"
)
