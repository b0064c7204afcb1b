// groupconsume measures consumer-group read throughput: it fills a topic with -records records
// (acks=1, large batches), then starts -members franz-go clients in one consumer group and times
// from their start until the group has consumed every record. Prints one JSON line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "seed brokers")
	topic := flag.String("topic", "groupbench", "topic")
	partitions := flag.Int("partitions", 6, "partitions")
	members := flag.Int("members", 3, "group members")
	records := flag.Int("records", 300000, "records to produce and consume")
	recordBytes := flag.Int("record-bytes", 1024, "value bytes per record")
	timeout := flag.Duration("timeout", 120*time.Second, "bound on the whole run")
	flag.Parse()
	if err := run(*bootstrap, *topic, *partitions, *members, *records, *recordBytes, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "groupconsume:", err)
		os.Exit(1)
	}
}

func run(bootstrap, topic string, partitions, members, records, recordBytes int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	seeds := strings.Split(bootstrap, ",")
	if err := fill(ctx, seeds, topic, partitions, records, recordBytes); err != nil {
		return err
	}
	var consumed atomic.Int64
	var bytes atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	var firstNs atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	clients := make([]*kgo.Client, 0, members)
	for m := 0; m < members; m++ {
		cl, err := kgo.NewClient(
			kgo.SeedBrokers(seeds...),
			kgo.ConsumerGroup("groupbench-"+topic),
			kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.FetchMaxBytes(16<<20),
		)
		if err != nil {
			return err
		}
		clients = append(clients, cl)
		wg.Add(1)
		go func(cl *kgo.Client) {
			defer wg.Done()
			for {
				fetches := cl.PollFetches(ctx)
				if ctx.Err() != nil {
					return
				}
				select {
				case <-done:
					return
				default:
				}
				fetches.EachRecord(func(r *kgo.Record) {
					firstNs.CompareAndSwap(0, time.Since(start).Nanoseconds())
					bytes.Add(int64(len(r.Value)))
					if consumed.Add(1) >= int64(records) {
						once.Do(func() { close(done) })
					}
				})
			}
		}(cl)
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
	total := time.Since(start).Seconds()
	joined := float64(firstNs.Load()) / 1e9
	elapsed := total - joined
	cancel()
	for _, cl := range clients {
		cl.Close()
	}
	wg.Wait()
	n := consumed.Load()
	if n < int64(records) {
		return fmt.Errorf("consumed %d of %d records before the timeout", n, records)
	}
	out, _ := json.Marshal(map[string]any{
		"members": members, "partitions": partitions, "records": n, "seconds": elapsed,
		"secondsToFirstRecord": joined, "secondsTotal": total,
		"msgPerSec": float64(n) / elapsed, "mbPerSec": float64(bytes.Load()) / elapsed / 1e6,
	})
	fmt.Println(string(out))
	return nil
}

func fill(ctx context.Context, seeds []string, topic string, partitions, records, recordBytes int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RequiredAcks(kgo.LeaderAck()),
		kgo.DisableIdempotentWrite(), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, int32(partitions), 1, nil, topic)
	if err != nil {
		return err
	}
	for _, t := range resp {
		if t.Err != nil && !errors.Is(t.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic: %w", t.Err)
		}
	}
	value := make([]byte, recordBytes)
	var failed atomic.Pointer[error]
	for i := 0; i < records; i++ {
		cl.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if e := failed.Load(); e != nil {
		return fmt.Errorf("produce: %w", *e)
	}
	return nil
}
