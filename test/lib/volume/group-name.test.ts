import test from 'ava';
import { groupNameProblem, isGroupName, volumeGroupNameProblem } from '../../../lib/volume/group-name.js';

const ACCEPTED = ['linstor_group', 'linstor_group/thin_device', 'vg.data', 'vg+1/pool-2', 'a', `v${'g'.repeat(126)}`, 'VG_0/thin_pool'];

const REFUSED: [string, RegExp][] = [
  ['', /is empty/],
  ['-vg', /starts with -/],
  ['--now', /starts with -/],
  ['vg/-lv', /has a part that starts with -/],
  ['..', /contains '\.\.'/],
  ['vg..x', /contains '\.\.'/],
  ['../etc', /contains '\.\.'/],
  ['vg/..', /contains '\.\.'/],
  ['.', /is '\.'/],
  ['vg/lv/x', /more than one \//],
  ['/vg', /has a part that is empty/],
  ['vg/', /has a part that is empty/],
  ['linstor group', /characters outside/],
  ['vg\tx', /characters outside/],
  ['vg;reboot', /characters outside/],
  ['vg$(id)', /characters outside/],
  ['vg\nx', /characters outside/],
  ['vgé', /characters outside/],
  [`v${'g'.repeat(127)}`, /longer than 127/],
];

test('group names LVM accepts, VG or VG/LV, are accepted', (t) => {
  for (const name of ACCEPTED) t.is(groupNameProblem(name), undefined, name);
  for (const name of ACCEPTED) t.true(isGroupName(name), name);
});

test('group names an option parser, a path or a shell could misread are refused, with the reason', (t) => {
  for (const [name, reason] of REFUSED) t.regex(groupNameProblem(name) ?? '(accepted)', reason, JSON.stringify(name));
  for (const [name] of REFUSED) t.false(isGroupName(name), JSON.stringify(name));
});

test('a volume group name has no thin pool part', (t) => {
  t.is(volumeGroupNameProblem('linstor_group'), undefined);
  t.is(volumeGroupNameProblem('xcp-sr-linstor_group_thin_device'), undefined, 'the SR pool name the DRBD helpers also match');
  t.regex(volumeGroupNameProblem('linstor_group/thin_device') ?? '', /contains \//);
  t.regex(volumeGroupNameProblem('-x') ?? '', /starts with -/);
  t.regex(volumeGroupNameProblem('vg..x') ?? '', /contains '\.\.'/);
});
