package server_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/pgtest"
	"refuge/storage/sqldb"
)

// Two `refuge serve` processes on one PostgreSQL database and one data folder: one instance
// behind a load balancer (the same --domain for both). The remote servers are fake peers on
// 127.0.0.x whose inboxes answer slowly, so that a fan-out takes a while and a process can
// be killed in the middle of one.

const (
	// Remote servers, each on its own loopback address, with followers of alice on each:
	// personal inboxes, no shared one, and no more than a process sends to one host at once
	// (4). 144 deliveries: more than the two processes send at once (32 each), so that
	// both take part and a kill lands in the middle.
	mpPeers     = 48
	mpFollowers = 3
	// mpLease is the --delivery-lease of both processes: how long the deliveries of a
	// killed process wait before the other sends them. Longer than a send may take (the
	// client's 10 s timeout), as a real lease must be: with 3 s, a send slowed past it on a
	// loaded machine was taken by the other process too, and the first post arrived twice.
	mpLease = 12 * time.Second
	// mpWait bounds every wait for something to travel (the lease included); the whole
	// test takes about 30 s.
	mpWait = 40 * time.Second
)

// TestTwoProcessesOnePostgres: with two processes serving one instance from one PostgreSQL
// database,
//   - both start at once (migrations and the first start's admin account made once);
//   - a post made through process 1 reaches each of mpPeers*mpFollowers inboxes exactly
//     once, and both processes sent part of the fan-out (which process opened each
//     connection is read from /proc, not guessed);
//   - a page process 2 keeps in its page cache shows a post made through process 1 at
//     once, before the page would have expired by itself;
//   - SIGKILL of one process in the middle of a fan-out loses nothing (the other sends the
//     rest once the lease runs out), and the only inboxes that get the post twice are ones
//     whose delivery was in flight in the killed process: already sent, not yet finished.
//     Each gets it at most twice. Refuge's own inbox drops such a repeat by its id; the fake
//     peers only count it;
//   - the queue is empty at the end.
func TestTwoProcessesOnePostgres(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s to an admin DSN (CI's PostgreSQL run sets it; see .ci/run)", pgtest.EnvVar)
	}
	ctx := context.Background()
	began := time.Now()
	phase := func(what string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), what) }
	dsn, data := pgtest.NewDatabase(t), t.TempDir()
	addr1, addr2 := testrig.FreeAddr(t), testrig.FreeAddr(t)
	domain := addr1 // the load balancer's name; any of the two would do
	base1, base2 := "http://"+addr1, "http://"+addr2
	instance := []string{"--db", dsn, "--data", data, "--domain", domain}
	serveArgs := func(listen string) []string {
		return append([]string{"--listen", listen, "--allow-private", "--delivery-lease", mpLease.String()}, instance...)
	}

	// Both start at once, on an empty database: one makes the admin account, the other
	// finds it.
	cmds, printed := testrig.ServeTogether(t, serveArgs(addr1), serveArgs(addr2))
	if n := strings.Count(printed[0]+printed[1], "First start: created the admin account"); n != 1 {
		t.Errorf("%d processes say they created the admin account, want 1:\n%s\n%s", n, printed[0], printed[1])
	}
	pids := []int{cmds[0].Process.Pid, cmds[1].Process.Pid}
	phase("both processes serve")
	aliceToken := mpAccount(t, instance, "alice")
	carolToken := mpAccount(t, instance, "carol")
	alice := base1 + "/users/alice"

	db, err := sqldb.OpenPostgres(ctx, dsn, sqldb.PostgresOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// The remote servers and their followers of alice, who follow through either process.
	rec := &mpRecorder{pids: pids}
	key, _ := peer.Keys()
	var followers []*peer.Actor
	for i := range mpPeers {
		p := peer.New(t, fmt.Sprintf("127.0.0.%d:0", 10+i), "")
		p.Inbox(rec.inbox)
		for j := range mpFollowers {
			followers = append(followers, p.Actor(fmt.Sprintf("f%d", j), key))
		}
	}
	inboxes := make([]string, len(followers))
	for i, f := range followers {
		inboxes[i] = f.URI + "/inbox"
	}
	phase("accounts and peers made")
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				to := []string{base1, base2}[i%2] + "/users/alice/inbox"
				if got := followers[i].Post(t, to, followers[i].Activity("Follow", alice), peer.Sig{}); got.Status != http.StatusAccepted {
					t.Errorf("follow by %s through %s: %v", followers[i].URI, to, got)
				}
			}
		})
	}
	for i := range followers {
		work <- i
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	mpEventually(t, "every follower has its Accept", func() bool { return len(rec.missing(inboxes, "Accept", "")) == 0 })
	mpEventually(t, "the queue empty after the Accepts", func() bool { return mpQueued(t, db) == 0 })

	phase("followers accepted")

	// Exactly once, with both processes sending.
	first := mpPost(t, base1, "alice", aliceToken, "the first post, to every follower")
	mpEventually(t, "every follower has the first post", func() bool { return len(rec.missing(inboxes, "Create", first)) == 0 })
	mpEventually(t, "the queue empty after the first post", func() bool { return mpQueued(t, db) == 0 })
	for _, inbox := range inboxes {
		if n := rec.count(inbox, first); n != 1 {
			t.Errorf("%s got the first post %d times, want once", inbox, n)
		}
	}
	senders := rec.senders(first)
	t.Logf("first post: %d deliveries by process 1, %d by process 2, %d by neither (unattributed)",
		senders[pids[0]], senders[pids[1]], senders[0])
	switch {
	case runtime.GOOS != "linux":
		t.Logf("which process sent what is read from /proc: not checked on %s", runtime.GOOS)
	case senders[pids[0]] == 0 || senders[pids[1]] == 0 || senders[0] > 0:
		t.Errorf("both processes should have sent part of the fan-out, and every delivery should be theirs: %v (pids %v)", senders, pids)
	}

	// The page cache of process 2 drops a page when process 1 commits. carol has no
	// followers: her post makes no delivery, so process 2 commits nothing of its own that
	// would drop the page anyway.
	phase("first post delivered")
	mpPageCache(t, base1, carolToken, "anonymous", base2, func(url string) string { return mpGetPage(t, url) })
	// The same for a signed-in reader of process 2, whose pages it keeps by account.
	erin := testrig.NewWebClient(t, &testrig.Instance{Base: base2})
	erin.SignIn("erin", mpUser(t, instance, "erin"))
	mpPageCache(t, base1, carolToken, "signed-in", base2, func(url string) string {
		resp, body := erin.Get(url)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign out") {
			t.Fatalf("GET %s as erin: %d\n%s", url, resp.StatusCode, body)
		}
		return csrfValues.ReplaceAllString(body, "") // masked anew for every answer
	})
	phase("page cache checked")

	// SIGKILL of process 1, through which the post was made, in the middle of its fan-out.
	// posted is taken before the request: the deliveries are queued, and may be leased,
	// before its answer arrives, so a lease ends no sooner than posted plus the lease, and
	// what the survivor sends after that instant is what it took over.
	posted := time.Now()
	second := mpPost(t, base1, "alice", aliceToken, "the second post, sent through a crash")
	mpEventually(t, "a third of the followers have the second post", func() bool {
		return len(inboxes)-len(rec.missing(inboxes, "Create", second)) >= len(inboxes)/3
	})
	victim, survivor := 0, 1
	killed := time.Now()
	if err := cmds[victim].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmds[victim].Wait()
	// Right after the kill, before any lease ran out: the deliveries still queued. Those
	// whose inbox got the post from the killed process were in flight (sent, not finished):
	// the only ones that may be sent again. (What it wrote just before it died may reach
	// the peer a moment after, so its POSTs count whenever they arrive; once the process
	// is gone, /proc cannot name it, and those show as sent by neither.)
	act, err := db.GetActivityByURI(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := db.ListDeliveries(ctx, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(killed) >= mpLease/2 {
		t.Fatalf("reading the queue after the kill took %v: a lease may have run out meanwhile", time.Since(killed))
	}
	stillQueued := map[string]bool{}
	for _, d := range queued {
		stillQueued[d.Inbox] = true
	}
	got := len(inboxes) - len(rec.missing(inboxes, "Create", second))
	t.Logf("killed process %d when %d of %d inboxes had the second post: %d deliveries still queued, %d inboxes being answered",
		victim+1, got, len(inboxes), len(queued), len(rec.answering(second, killed)))
	if len(queued) == 0 {
		t.Fatalf("nothing was left to send at the kill: it came too late to test anything")
	}
	mpEventually(t, "every follower has the second post, the other process sending what the killed one left", func() bool {
		return len(rec.missing(inboxes, "Create", second)) == 0
	})
	mpEventually(t, "the queue empty after the second post", func() bool { return mpQueued(t, db) == 0 })
	twice := 0
	for _, inbox := range inboxes {
		by := rec.sendersTo(inbox, second)
		switch {
		case len(by) == 1:
		case len(by) == 2 && stillQueued[inbox] && by[0] != pids[survivor] && (by[1] == pids[survivor] || runtime.GOOS != "linux"):
			twice++ // in flight in the killed process, then sent by the other once the lease ran out
		default:
			t.Errorf("%s got the second post %d times, sent by %v (process 1 %d, process 2 %d; killed %d; still queued at the kill: %v)",
				inbox, len(by), by, pids[0], pids[1], pids[victim], stillQueued[inbox])
		}
	}
	// The killed process's share was sent by the other once its lease had run out, and no
	// sooner.
	late := rec.sentAfter(second, posted.Add(mpLease), pids[survivor])
	if late == 0 && runtime.GOOS == "linux" {
		t.Errorf("process %d sent nothing of the second post after the lease ran out: nothing of the killed one's share was taken over", survivor+1)
	}
	t.Logf("second post: %d deliveries taken over after the lease, %d inboxes got it twice (in flight at the kill); the last sent %v after the kill",
		late, twice, rec.lastAt(second).Sub(killed).Round(time.Millisecond))

	// Nothing arrived late: the first post still once everywhere, and nothing queued.
	for _, inbox := range inboxes {
		if n := rec.count(inbox, first); n != 1 {
			t.Errorf("%s got the first post %d times by the end, want once", inbox, n)
		}
	}
	if n := mpQueued(t, db); n != 0 {
		t.Errorf("%d deliveries queued at the end", n)
	}
	phase("done")
}

// mpPageCache: process 2 keeps carol's profile page for a reader (who: get reads it as
// them); carol posts through process 1; the page process 2 serves must show the post before
// it would have expired by itself (pageCacheTTL, a second), which only process 1's commit
// notification can make happen. The wait below is that notification's latency,
// milliseconds: a page that stays stale until it expires fails the test.
func mpPageCache(t *testing.T, base1, carolToken, who, base2 string, get func(url string) string) {
	t.Helper()
	const window = 800 * time.Millisecond // shorter than the cache's second, with room to spare
	for attempt := 1; attempt <= 5; attempt++ {
		// A page no one asked for yet: built now, so it is good for a second from now.
		path := fmt.Sprintf("/@carol?%s=%d", who, attempt)
		built := time.Now()
		page := get(base2 + path)
		if again := get(base2 + path); again != page {
			t.Fatalf("%s: the page changed between two reads with nothing written", who)
		}
		text := fmt.Sprintf("post number %d by carol, for the %s reader", attempt, who)
		if strings.Contains(page, text) {
			t.Fatalf("the page shows %q before it is posted", text)
		}
		mpPost(t, base1, "carol", carolToken, text)
		if time.Since(built) > window/2 {
			t.Logf("attempt %d: posting took until %v after the page was built; again", attempt, time.Since(built))
			continue
		}
		for time.Since(built) < window {
			if strings.Contains(get(base2+path), text) {
				t.Logf("%s: process 2's page showed the post made through process 1 %v after the page was built", who,
					time.Since(built).Round(time.Millisecond))
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(2 * time.Second)
		later := strings.Contains(get(base2+path), text)
		t.Fatalf("%s: process 2 still served its page without the post made through process 1 %v after it was built: "+
			"process 1's commit did not reach process 2's page cache (2 s later the page shows it: %v)", who, window, later)
	}
	t.Fatalf("posting never took less than %v: could not test the page cache", window/2)
}

// mpUser makes a local account with the admin commands and returns its password.
func mpUser(t *testing.T, instance []string, name string) string {
	t.Helper()
	code, out := testrig.Run(t, append([]string{"user", "add", name}, instance...)...)
	_, password, ok := strings.Cut(out, "password: ")
	if code != 0 || !ok {
		t.Fatalf("user add %s: %d %s", name, code, out)
	}
	return strings.TrimSpace(password)
}

// mpAccount makes a local account with the admin commands, as a person would, and returns
// an API token of it.
func mpAccount(t *testing.T, instance []string, name string) string {
	t.Helper()
	if code, out := testrig.Run(t, append([]string{"user", "add", name}, instance...)...); code != 0 {
		t.Fatalf("user add %s: %d %s", name, code, out)
	}
	code, out := testrig.Run(t, append([]string{"token", name}, instance...)...)
	lines := strings.Fields(out)
	if code != 0 || len(lines) == 0 {
		t.Fatalf("token %s: %d %s", name, code, out)
	}
	return lines[len(lines)-1]
}

// mpPost posts a public note as name through the C2S outbox at base, and returns the id of
// its Create.
func mpPost(t *testing.T, base, name, token, text string) string {
	t.Helper()
	body := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", "content": text})
	req, err := http.NewRequest(http.MethodPost, base+"/users/"+name+"/outbox", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Authorization", "Bearer "+token)
	got := peer.Send(t, req)
	if got.Status != http.StatusCreated || got.Header.Get("Location") == "" {
		t.Fatalf("post as %s: %v", name, got)
	}
	return got.Header.Get("Location")
}

// mpGetPage reads a page as an anonymous browser.
func mpGetPage(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	got := peer.Send(t, req)
	if got.Status != http.StatusOK {
		t.Fatalf("GET %s: %v", url, got)
	}
	return string(got.Body)
}

// mpQueued counts the deliveries queued in the shared database.
func mpQueued(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	n, err := db.CountDeliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mpEventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	testrig.Eventually(t, mpWait, what, check)
}

// mpRecorder is the inbox of every fake peer: it records each POST (inbox, activity, which
// process sent it, when its answer began and ended) and answers it slowly.
type mpRecorder struct {
	pids []int // the serve processes, for telling which one sent a POST

	mu    sync.Mutex
	posts []*mpReceived
}

type mpReceived struct {
	inbox, id, typ string // inbox: its whole URL
	sender         int    // the pid of the process that opened the connection; 0 when unknown
	start, end     time.Time
}

func (rec *mpRecorder) inbox(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sender := connectionOwner(r, rec.pids) // while the connection is surely open
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var head struct {
		ID, Type string
	}
	if err != nil || json.Unmarshal(body, &head) != nil {
		return // cut off mid-body (its sender killed): never received
	}
	p := &mpReceived{inbox: "http://" + r.Host + r.URL.Path, id: head.ID, typ: head.Type, sender: sender, start: start}
	rec.mu.Lock()
	rec.posts = append(rec.posts, p)
	rec.mu.Unlock()
	// A slow server: 100 to 300 ms an answer (or until the sender hangs up).
	select {
	case <-time.After(100*time.Millisecond + rand.N(200*time.Millisecond)):
	case <-r.Context().Done():
	}
	rec.mu.Lock()
	p.end = time.Now()
	rec.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// count counts the POSTs of activity id to the inbox.
func (rec *mpRecorder) count(inbox, id string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, p := range rec.posts {
		if p.id == id && p.inbox == inbox {
			n++
		}
	}
	return n
}

// missing lists the inboxes that got no activity of type typ (of id, when not "").
func (rec *mpRecorder) missing(inboxes []string, typ, id string) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := map[string]bool{}
	for _, p := range rec.posts {
		if p.typ == typ && (id == "" || p.id == id) {
			got[p.inbox] = true
		}
	}
	var out []string
	for _, inbox := range inboxes {
		if !got[inbox] {
			out = append(out, inbox)
		}
	}
	return out
}

// senders counts the POSTs of activity id by sending process (0: unknown).
func (rec *mpRecorder) senders(id string) map[int]int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := map[int]int{}
	for _, p := range rec.posts {
		if p.id == id {
			out[p.sender]++
		}
	}
	return out
}

// sendersTo lists the processes that sent activity id to the inbox, in order.
func (rec *mpRecorder) sendersTo(inbox, id string) []int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []int
	for _, p := range rec.posts {
		if p.id == id && p.inbox == inbox {
			out = append(out, p.sender)
		}
	}
	return out
}

// answering lists the inboxes still answering a POST of activity id at time at.
func (rec *mpRecorder) answering(id string, at time.Time) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, p := range rec.posts {
		if p.id == id && p.start.Before(at) && (p.end.IsZero() || p.end.After(at)) {
			out = append(out, p.inbox)
		}
	}
	return out
}

// sentAfter counts the POSTs of activity id that process pid began after time at.
func (rec *mpRecorder) sentAfter(id string, at time.Time, pid int) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, p := range rec.posts {
		if p.id == id && p.sender == pid && p.start.After(at) {
			n++
		}
	}
	return n
}

// lastAt is when the last POST of activity id began.
func (rec *mpRecorder) lastAt(id string) time.Time {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var last time.Time
	for _, p := range rec.posts {
		if p.id == id && p.start.After(last) {
			last = p.start
		}
	}
	return last
}

// connectionOwner tells which of pids holds the client end of r's connection, from
// /proc/net/tcp (the socket's inode) and /proc/PID/fd (who has it open); 0 when none does
// or this is not Linux. The processes send from 127.0.0.1 like everything else here, so
// nothing in the request itself could tell them apart.
func connectionOwner(r *http.Request, pids []int) int {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return 0
	}
	inode := socketInode(r.RemoteAddr, local.String())
	if inode == "" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid) + "/fd"
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if link, err := os.Readlink(dir + "/" + fd.Name()); err == nil && link == want {
				return pid
			}
		}
	}
	return 0
}

// socketInode finds the inode of the IPv4 TCP socket whose own address is from and whose
// peer is to, in /proc/net/tcp; "" when there is none.
func socketInode(from, to string) string {
	hexAddr := func(addr string) string {
		host, port, err := net.SplitHostPort(addr)
		ip := net.ParseIP(host).To4()
		p, perr := strconv.Atoi(port)
		if err != nil || ip == nil || perr != nil {
			return ""
		}
		// The kernel prints the address as the 32-bit number it holds, in the machine's order.
		return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), p)
	}
	want := []string{hexAddr(from), hexAddr(to)}
	if want[0] == "" || want[1] == "" {
		return ""
	}
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(table), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && slices.Equal(f[1:3], want) {
			return f[9]
		}
	}
	return ""
}
