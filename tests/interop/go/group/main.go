// Command group is the franz-go consumer-group member for tests/interop/groups: one kgo client in
// a classic group, driven over stdin/stdout with JSON lines (protocol in
// tests/interop/groups/mod.ts). It commits what it polled and has not committed yet after every poll,
// so a commit refused during a rebalance is made again on the next one.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	outMu    sync.Mutex
	assigned = map[int32]bool{}
)

func emit(v map[string]any) {
	line, _ := json.Marshal(v)
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Println(string(line))
}

func held() []int32 {
	out := make([]int32, 0, len(assigned))
	for p := range assigned {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func index(key []byte) int {
	k := string(key)
	if !strings.HasPrefix(k, "key-") {
		return -1
	}
	n, err := strconv.Atoi(k[4:])
	if err != nil {
		return -1
	}
	return n
}

func main() {
	bootstrap := flag.String("bootstrap", "", "host:port")
	topic := flag.String("topic", "", "topic to consume")
	group := flag.String("group", "", "consumer group")
	name := flag.String("name", "member", "member name for client.id")
	sessionMs := flag.Int("session-timeout-ms", 10_000, "session timeout")
	instanceID := flag.String("instance-id", "", "group.instance.id (static membership)")
	timeoutMs := flag.Int("timeout-ms", 300_000, "bound on the member's life")
	flag.Parse()
	if *bootstrap == "" || *topic == "" || *group == "" {
		fmt.Fprintln(os.Stderr, "usage: group --bootstrap H:P --topic T --group G [...]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeoutMs)*time.Millisecond)
	defer cancel()
	opts := []kgo.Opt{
		kgo.SeedBrokers(*bootstrap),
		kgo.ClientID("interop-franz-go-" + *name),
		kgo.ConsumerGroup(*group),
		kgo.ConsumeTopics(*topic),
		kgo.SessionTimeout(time.Duration(*sessionMs) * time.Millisecond),
		kgo.HeartbeatInterval(time.Second),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.OnPartitionsAssigned(func(_ context.Context, cl *kgo.Client, parts map[string][]int32) {
			for _, p := range parts[*topic] {
				assigned[p] = true
			}
			_, gen := cl.GroupMetadata()
			emit(map[string]any{"event": "assignment", "partitions": held(), "generation": gen})
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
			revoke(parts[*topic])
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
			revoke(parts[*topic])
		}),
	}
	if *instanceID != "" {
		opts = append(opts, kgo.InstanceID(*instanceID))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		emit(map[string]any{"event": "error", "message": err.Error()})
		os.Exit(1)
	}
	commands := make(chan string, 16)
	go func() {
		scanner := bufio.NewScanner(os.Stdin)
		for scanner.Scan() {
			commands <- scanner.Text()
		}
		commands <- `{"cmd":"close"}`
	}()
	for ctx.Err() == nil {
		select {
		case cmd := <-commands:
			if strings.Contains(cmd, `"close"`) {
				cl.Close()
				emit(map[string]any{"event": "closed"})
				return
			}
		default:
		}
		pollCtx, pollCancel := context.WithTimeout(ctx, 200*time.Millisecond)
		fetches := cl.PollRecords(pollCtx, 500)
		pollCancel()
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
				emit(map[string]any{"event": "warning", "message": fmt.Sprintf("fetch %s/%d: %v", fe.Topic, fe.Partition, fe.Err)})
			}
		}
		records := fetches.Records()
		if len(records) > 0 {
			seen := make([][3]int64, 0, len(records))
			for _, r := range records {
				seen = append(seen, [3]int64{int64(r.Partition), r.Offset, int64(index(r.Key))})
			}
			emit(map[string]any{"event": "consumed", "records": seen})
		}
		// Everything polled and not yet committed, including what a failed commit (refused
		// during a rebalance) left behind: a cooperative rebalance keeps the partition and its
		// position, so nothing else would commit it.
		uncommitted := cl.UncommittedOffsets()[*topic]
		if len(uncommitted) == 0 {
			continue
		}
		commitCtx, commitCancel := context.WithTimeout(ctx, 15*time.Second)
		err := cl.CommitUncommittedOffsets(commitCtx)
		commitCancel()
		if err != nil {
			emit(map[string]any{"event": "commit_failed", "message": err.Error()})
			continue
		}
		offsets := make([][2]int64, 0, len(uncommitted))
		for p, o := range uncommitted {
			offsets = append(offsets, [2]int64{int64(p), o.Offset})
		}
		emit(map[string]any{"event": "committed", "offsets": offsets})
	}
	cl.Close()
	emit(map[string]any{"event": "error", "message": "member lifetime (--timeout-ms) passed"})
	os.Exit(1)
}

func revoke(parts []int32) {
	if len(parts) == 0 {
		return
	}
	for _, p := range parts {
		delete(assigned, p)
	}
	sorted := append([]int32(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	emit(map[string]any{"event": "revoked", "partitions": sorted})
}
