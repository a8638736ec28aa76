package server_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/pgtest"
	"refuge/server"
)

// TestFirstStartsTogether: serves started at once on one empty PostgreSQL database all
// start; exactly one makes the admin account and prints its password. (Each found no admin
// and tried to make one; all but the first failed on the taken name and stopped.)
func TestFirstStartsTogether(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s to an admin DSN (CI's PostgreSQL run sets it; see .ci/run)", pgtest.EnvVar)
	}
	const serves = 4
	cfg := server.Config{Domain: "social.test", Data: t.TempDir(), DB: pgtest.NewDatabase(t), Admin: "root", Log: testrig.Logger(t)}
	var printed [serves]strings.Builder
	errs := make([]error, serves)
	var wg sync.WaitGroup
	for i := range serves {
		wg.Go(func() {
			c := cfg
			c.Out = &printed[i]
			app, err := server.New(context.Background(), c)
			if err == nil {
				err = app.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	made := 0
	for i := range serves {
		if errs[i] != nil {
			t.Errorf("serve %d: %v", i, errs[i])
		}
		if strings.Contains(printed[i].String(), "created the admin account") {
			made++
		}
	}
	if made != 1 {
		t.Errorf("%d serves made the admin account, want 1", made)
	}
}

// TestStartsTogetherWithOtherDomains: of serves started at once on one empty PostgreSQL
// database, each with its own --domain (a misconfiguration), one starts and records its
// domain; the others are refused, saying why. (Each read the domain unset and recorded its
// own, the last one winning.)
func TestStartsTogetherWithOtherDomains(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s to an admin DSN (CI's PostgreSQL run sets it; see .ci/run)", pgtest.EnvVar)
	}
	const serves = 4
	dsn, data := pgtest.NewDatabase(t), t.TempDir()
	errs := make([]error, serves)
	var wg sync.WaitGroup
	for i := range serves {
		wg.Go(func() {
			cfg := server.Config{Domain: "s" + strconv.Itoa(i) + ".test", Data: data, DB: dsn, Admin: "root", Log: testrig.Logger(t)}
			app, err := server.New(context.Background(), cfg)
			if err == nil {
				err = app.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	started := 0
	for i, err := range errs {
		switch {
		case err == nil:
			started++
		case !strings.Contains(err.Error(), "same --domain") && !strings.Contains(err.Error(), "belongs to"):
			t.Errorf("serve %d refused for another reason: %v", i, err)
		}
	}
	if started != 1 {
		t.Errorf("%d serves started with their own domains on one database, want 1", started)
	}
}

// TestStartTriesAnotherPort: a test instance whose free port was taken before it listened
// starts on another one, rather than failing the test that wanted it.
func TestStartTriesAnotherPort(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tries := 0
	in := testrig.Start(t, func(c *server.Config) {
		if tries++; tries == 1 { // the first port found free is someone else's by now
			c.Listen, c.Domain = taken.Addr().String(), taken.Addr().String()
		}
	})
	if tries != 2 || in.Cfg.Listen == taken.Addr().String() {
		t.Fatalf("%d tries, listening on %s", tries, in.Cfg.Listen)
	}
	if code, _, _ := in.Do("GET", "/nodeinfo/2.1", "", nil); code != 200 {
		t.Errorf("the instance on its second port: %d", code)
	}
}
