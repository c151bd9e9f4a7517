// The same no-op work as `inc` in tasks.mjs, as a BullMQ sandboxed processor (a file BullMQ runs
// in its own worker threads, its counterpart of taskfarm's thread pool).
export default async function inc(job) {
  return job.data.n + 1;
}
