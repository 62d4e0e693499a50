/* Running a tool from a helper without a shell. */
#ifndef LAB_SPAWN_H
#define LAB_SPAWN_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonl.h"

/* Runs argv and waits; its output goes to stderr, away from the helper's JSON lines on stdout.
 * Returns the exit status, 128+signal, 127 when it cannot be executed, -1 when it cannot fork.
 * A SIGTERM or SIGINT that stops the helper meanwhile is passed on to the tool (jsonl.h's
 * handler), and the tool is waited for all the same: the signal interrupts waitpid (no
 * SA_RESTART), which is retried, so no tool outlives its helper or stays behind unreaped. */
static int run_tool(char *const argv[])
{
    int stop_before = g_stop;   /* a stop asked earlier (teardown's own tools) is not passed on */
    fflush(stdout);   /* the child must not write our buffered lines again */
    pid_t p = fork();
    if (p == 0) {
        sigset_t none;   /* the tool starts as from a shell: no signal blocked or ignored */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(2, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (p < 0) return -1;
    g_tool = p;
    if (g_stop && !stop_before) kill(p, SIGTERM);   /* asked between fork and here, before g_tool was set */
    siginfo_t si;
    /* Waited for without reaping first: until g_tool is cleared, p stays ours, never a reused pid. */
    while (waitid(P_PID, p, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR) ;
    g_tool = 0;
    int st;
    while (waitpid(p, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
