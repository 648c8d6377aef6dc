// The sandbox's messages, turned into store actions; and the two requests the panel makes once
// it is listening (the sandbox sends settings, selection and history in answer).
import { useEffect } from 'preact/hooks';
import type { PluginToUi } from '../../protocol';
import type { Bridge } from './bridge';
import type { Action } from './store';

export function useSandboxMessages(bridge: Bridge, dispatch: (a: Action) => void): void {
  useEffect(() => {
    const off = bridge.listen((msg: PluginToUi) => {
      switch (msg.type) {
        case 'settings':
          dispatch({ type: 'settings-loaded', settings: msg.settings });
          break;
        case 'selection':
          dispatch({ type: 'selection', jobs: msg.jobs, problems: msg.problems, rerun: msg.rerun });
          break;
        case 'applied':
          dispatch({ type: 'applied', jobId: msg.jobId, nodeName: msg.nodeName, placement: msg.placement, existing: msg.existing });
          break;
        case 'problem':
          dispatch({ type: 'problem', problem: msg.problem, jobId: msg.jobId });
          break;
        case 'history':
          dispatch({ type: 'history-loaded', runs: msg.runs });
          break;
      }
    });
    bridge.post({ type: 'ready' });
    bridge.post({ type: 'load-history' });
    return off;
  }, [bridge, dispatch]);
}
