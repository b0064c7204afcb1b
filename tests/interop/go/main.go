// Command franzpeer is the franz-go interop peer: it creates the topic with kadm, produces records
// 0..count-1 (the shared rule in docs/interop.md) with the given codec and idempotence, reads the
// partition back from the start without a consumer group, and prints one JSON verdict line.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

type verdict struct {
	Client      string  `json:"client"`
	Topic       string  `json:"topic"`
	Compression string  `json:"compression"`
	Idempotent  bool    `json:"idempotent"`
	Count       int     `json:"count"`
	Produced    int     `json:"produced"`
	Consumed    int     `json:"consumed"`
	FirstOffset *int64  `json:"firstOffset"`
	LastOffset  *int64  `json:"lastOffset"`
	OK          bool    `json:"ok"`
	Error       *string `json:"error"`
}

type seenRecord struct {
	offset  int64
	key     string
	value   string
	headers [][2]string
}

func record(i int) (string, string, [][2]string) {
	key := fmt.Sprintf("key-%06d", i)
	value := fmt.Sprintf("value-%d-", i) + strings.Repeat("abcdefghij", 1+i%8)
	headers := [][2]string{{"idx", strconv.Itoa(i)}, {"mod13", fmt.Sprintf("h-%d", i%13)}}
	return key, value, headers
}

func codecOf(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.NoCompression(), fmt.Errorf("unknown codec %q", name)
}

func createTopic(ctx context.Context, bootstrap, topic string) error {
	client, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer client.Close()
	resp, err := kadm.NewClient(client).CreateTopics(ctx, 1, 1, nil, topic)
	if err != nil {
		return err
	}
	return resp.Error()
}

func produce(ctx context.Context, bootstrap, topic string, count int, codec kgo.CompressionCodec,
	idempotent bool) (int, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(bootstrap),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(codec),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MaxBufferedRecords(20_000),
	}
	if !idempotent {
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(1))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, err
	}
	defer client.Close()
	var mu sync.Mutex
	var firstErr error
	delivered := 0
	for i := 0; i < count; i++ {
		key, value, headers := record(i)
		r := &kgo.Record{Key: []byte(key), Value: []byte(value), Partition: 0}
		for _, h := range headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
		}
		client.Produce(ctx, r, func(_ *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			} else if err == nil {
				delivered++
			}
		})
	}
	if err := client.Flush(ctx); err != nil {
		return delivered, err
	}
	mu.Lock()
	defer mu.Unlock()
	return delivered, firstErr
}

func consume(ctx context.Context, bootstrap, topic string, count int) ([]seenRecord, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
			topic: {0: kgo.NewOffset().AtStart()},
		}),
	)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	var seen []seenRecord
	extraPolls := 1
	for ctx.Err() == nil {
		pollCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fetches := client.PollFetches(pollCtx)
		cancel()
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
				return seen, fmt.Errorf("fetch %s/%d: %w", fe.Topic, fe.Partition, fe.Err)
			}
		}
		fetches.EachRecord(func(r *kgo.Record) {
			s := seenRecord{offset: r.Offset, key: string(r.Key), value: string(r.Value)}
			for _, h := range r.Headers {
				s.headers = append(s.headers, [2]string{h.Key, string(h.Value)})
			}
			seen = append(seen, s)
		})
		if len(seen) >= count {
			if extraPolls == 0 {
				break
			}
			extraPolls--
		}
	}
	return seen, nil
}

func check(count int, seen []seenRecord) error {
	if len(seen) != count {
		return fmt.Errorf("read %d records, expected %d", len(seen), count)
	}
	for j, s := range seen {
		key, value, headers := record(j)
		if s.offset != int64(j) {
			return fmt.Errorf("record %d: offset %d, expected %d", j, s.offset, j)
		}
		if s.key != key || s.value != value {
			return fmt.Errorf("record %d: key/value %s/%s differ from %s/%s", j, s.key, s.value, key, value)
		}
		if fmt.Sprint(s.headers) != fmt.Sprint(headers) {
			return fmt.Errorf("record %d: headers %v differ from %v", j, s.headers, headers)
		}
	}
	return nil
}

func main() {
	bootstrap := flag.String("bootstrap", "", "host:port")
	topic := flag.String("topic", "", "topic to create")
	count := flag.Int("count", 1000, "records to produce")
	compression := flag.String("compression", "none", "none|gzip|snappy|lz4|zstd")
	idempotent := flag.String("idempotent", "false", "true|false")
	timeoutMs := flag.Int("timeout-ms", 120_000, "bound on the whole run")
	flag.Parse()
	if *bootstrap == "" || *topic == "" || *count < 0 || *count > 1_000_000 {
		fmt.Fprintln(os.Stderr, "usage: franzpeer --bootstrap H:P --topic T [--count N<=1e6] ...")
		os.Exit(2)
	}
	v := verdict{Client: "franz-go", Topic: *topic, Compression: *compression,
		Idempotent: *idempotent == "true", Count: *count}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeoutMs)*time.Millisecond)
	defer cancel()
	var seen []seenRecord
	err := func() error {
		codec, err := codecOf(*compression)
		if err != nil {
			return err
		}
		if err := createTopic(ctx, *bootstrap, *topic); err != nil {
			return fmt.Errorf("create topic: %w", err)
		}
		v.Produced, err = produce(ctx, *bootstrap, *topic, *count, codec, v.Idempotent)
		if err != nil {
			return fmt.Errorf("produce: %w", err)
		}
		seen, err = consume(ctx, *bootstrap, *topic, *count)
		if err != nil {
			return err
		}
		return check(*count, seen)
	}()
	v.Consumed = len(seen)
	if len(seen) > 0 {
		v.FirstOffset, v.LastOffset = &seen[0].offset, &seen[len(seen)-1].offset
	}
	v.OK = err == nil
	if err != nil {
		msg := err.Error()
		v.Error = &msg
	}
	line, _ := json.Marshal(v)
	fmt.Println(string(line))
	if !v.OK {
		os.Exit(1)
	}
}
