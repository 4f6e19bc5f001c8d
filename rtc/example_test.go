package rtc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rtc/internal/testiface"
)

// sleepy is a Monster.
type sleepy struct{}

func (sleepy) JumpAround(context.Context) error                     { return nil }
func (sleepy) GentlyScareSomeone(_ context.Context, _ string) error { return errAsleep }
func (sleepy) EnergyLevel(context.Context) (float64, error)         { return 0.25, nil }

// Welcome is the first message a server sends: a client of its monster.
type Welcome struct {
	Monster *testiface.MonsterClient `json:"monster"`
}

// The server serves a Monster and sends the client to its peer, which calls
// it as if the monster were local. Registered errors match with errors.Is.
func Example() {
	ctx := context.Background()
	clientSess, serverSess := mux.Pipe(nil)

	served := testiface.ServeMonster(sleepy{}, nil) // rtcgen wrote ServeMonster
	done := served.Done()
	go func() {
		base, err := rch.Connect[Welcome, struct{}](ctx, serverSess, nil)
		if err != nil {
			return
		}
		defer base.Close()
		base.Send(ctx, Welcome{Monster: served})
		<-done // serve until every client is gone
	}()

	base, err := rch.Connect[struct{}, Welcome](ctx, clientSess, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer base.Close()
	w, err := base.Recv(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	var m testiface.Monster = w.Monster
	level, err := m.EnergyLevel(ctx)
	fmt.Println(level, err)
	err = m.GentlyScareSomeone(ctx, "alice")
	fmt.Println(err, errors.Is(err, errAsleep))
	w.Monster.Close()
	<-done
	fmt.Println("served no more")
	// Output:
	// 0.25 <nil>
	// rfn: failed: the monster is asleep true
	// served no more
}
