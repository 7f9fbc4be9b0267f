// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_example.ko: a module built outside kpool's tree against an installed
 * kpool (its public header and Module.symvers), as any consumer's would be.
 *
 * Loading it queues one job on kpool's default pool and runs one quick thread
 * there, through the public API only; the load fails with the error if either
 * does not happen. The results stay readable in
 * /sys/module/kpool_example/parameters/ (make check's suite kpool_consumer
 * reads them). While loaded it holds a reference on kpool.ko, as any user.
 */
#include <linux/module.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <kpool/kpool.h>

#define EXAMPLE_THREAD_RESULT 42
#define EXAMPLE_TIMEOUT (10 * HZ)

static int job_runs;
module_param(job_runs, int, 0444);
MODULE_PARM_DESC(job_runs, "Times the example job ran (1 after a successful load)");
static int thread_result;
module_param(thread_result, int, 0444);
MODULE_PARM_DESC(thread_result, "The quick thread's result (42 after a successful load)");

/* A job is embedded in the object it works on. */
struct example_req {
	struct kpool_job job;
	struct completion done;
};

static struct example_req example_req;
static struct kpool_thread example_thread;
static struct completion example_thread_started;

static void example_job_fn(struct kpool_job *job)
{
	struct example_req *req = container_of(job, struct example_req, job);

	job_runs++;
	complete(&req->done);
}

/* A quick thread: runs until asked to stop, then returns its result. */
static int example_thread_fn(void *arg)
{
	complete(arg);
	while (!kpool_thread_should_stop())
		msleep(20);
	return EXAMPLE_THREAD_RESULT;
}

static int example_run_job(struct kpool *pool)
{
	int ret;

	kpool_job_init(&example_req.job, example_job_fn, NULL);
	init_completion(&example_req.done);
	ret = kpool_queue(pool, &example_req.job);
	if (ret) {
		pr_err("kpool_example: kpool_queue() failed: %d\n", ret);
		return ret;
	}
	if (!wait_for_completion_timeout(&example_req.done, EXAMPLE_TIMEOUT)) {
		kpool_cancel(&example_req.job);
		kpool_flush_job(&example_req.job);
		pr_err("kpool_example: the job did not run within 10 s\n");
		return -ETIMEDOUT;
	}
	/* The function may still be returning: the job is ours again after this. */
	kpool_flush_job(&example_req.job);
	return 0;
}

static int example_run_thread(struct kpool *pool)
{
	int ret;

	init_completion(&example_thread_started);
	ret = kpool_thread_run(pool, &example_thread, example_thread_fn, &example_thread_started);
	if (ret) {
		pr_err("kpool_example: kpool_thread_run() failed: %d\n", ret);
		return ret;
	}
	if (!wait_for_completion_timeout(&example_thread_started, EXAMPLE_TIMEOUT)) {
		ret = kpool_thread_stop(&example_thread);
		pr_err("kpool_example: the quick thread did not start in 10 s (stop: %d)\n", ret);
		return -ETIMEDOUT;
	}
	thread_result = kpool_thread_stop(&example_thread);
	if (thread_result != EXAMPLE_THREAD_RESULT) {
		pr_err("kpool_example: the quick thread returned %d, not %d\n", thread_result,
		       EXAMPLE_THREAD_RESULT);
		return -EIO;
	}
	return 0;
}

static int __init kpool_example_init(void)
{
	struct kpool *pool = kpool_default();
	int ret;

	ret = example_run_job(pool);
	if (ret)
		return ret;
	ret = example_run_thread(pool);
	if (ret)
		return ret;
	pr_info("kpool_example: ok: job ran %d time(s), quick thread returned %d (pool %s)\n",
		job_runs, thread_result, kpool_name(pool));
	return 0;
}

static void __exit kpool_example_exit(void)
{
}

module_init(kpool_example_init);
module_exit(kpool_example_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("An example module using kpool's public API, built against an installed kpool");
MODULE_VERSION(KPOOL_VERSION);
